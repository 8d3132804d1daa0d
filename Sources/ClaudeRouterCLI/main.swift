// Entry point. ArgumentParser's own `main()` exits 64 (EX_USAGE) on usage errors; the
// contract (issue 5) says 2, like most Unix tools, so parsing and exit codes are handled here.
await CLIEntry.run(arguments: Array(CommandLine.arguments.dropFirst()))
