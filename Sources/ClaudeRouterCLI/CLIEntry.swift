import ArgumentParser
import Foundation
import RouterPolicies

/// Parses the command line, runs the command and maps every error to one exit code.
enum CLIEntry {
    static func run(arguments: [String]) async -> Never {
        do {
            var command = try ClaudeRouterCommand.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(ExitStatus.success.rawValue)
        } catch {
            exit(report(error))
        }
    }

    /// Prints `error` as one clear line (plus any YAML caret snippet) and returns the exit code.
    static func report(_ error: any Error) -> Int32 {
        if let cliError = error as? CLIError {
            if !cliError.message.isEmpty { Terminal.writeError(cliError.message) }
            return cliError.exitCode
        }
        if let mapped = CLIError.mapping(error) {
            Terminal.writeError(mapped.message)
            return mapped.status.rawValue
        }
        let code = ClaudeRouterCommand.exitCode(for: error)
        if code == .validationFailure {
            // ArgumentParser's usage and `ValidationError` messages, with the usage line.
            Terminal.writeError(ClaudeRouterCommand.fullMessage(for: error) + subcommandHint())
            return ExitStatus.usage.rawValue
        }
        if code == .success {
            // --help, --version: ArgumentParser prints them to stdout.
            let text = ClaudeRouterCommand.fullMessage(for: error)
            if !text.isEmpty { Terminal.writeOut(text + "\n") }
            return ExitStatus.success.rawValue
        }
        let text = ClaudeRouterCommand.fullMessage(for: error)
        if !text.isEmpty { Terminal.writeError(text) }
        return code.rawValue
    }

    /// `"\nDid you mean 'explain'?"` when the first argument is not an option and is a near
    /// spelling of a subcommand (ArgumentParser only says "unexpected argument"), else "".
    static func subcommandHint(arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> String {
        guard let first = arguments.first, !first.hasPrefix("-") else { return "" }
        let names = ClaudeRouterCommand.configuration.subcommands.map { $0._commandName }
        guard !names.contains(first) else { return "" }
        let hint = YAMLDecodingContext.suggestion(for: first, among: names)
        guard hint.hasPrefix("; did you mean ") else { return "" }
        return "\nDid you mean " + hint.dropFirst("; did you mean ".count)
    }
}
