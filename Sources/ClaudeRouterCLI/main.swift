// Entry point. ArgumentParser's own `main()` exits 64 (EX_USAGE) on usage errors; our
// documented contract (docs/CLI.md) says 2, like most Unix tools, so parsing and exit codes are handled here.
await CLIEntry.run(arguments: Array(CommandLine.arguments.dropFirst()))
