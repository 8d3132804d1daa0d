import ArgumentParser

/// `claude-router send`: one routed call.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send one prompt through the router and print the reply, the tier and the cost.")

    @Option(help: ArgumentHelp("Policy file (`default` for the bundled policy).", valueName: "file"))
    var policy: String

    @Option(help: "Task type (else the policy's classifier decides).")
    var task: String?

    @Option(name: .customLong("metadata"), help: ArgumentHelp("Caller metadata (repeatable).", valueName: "key=value"))
    var metadataPairs: [String] = []

    @Option(help: ArgumentHelp("Price book (default: the policy's prices, else the bundled book).", valueName: "file"))
    var prices: String?

    @Flag(help: "Stream the reply as it is generated.")
    var stream = false

    @Option(help: ArgumentHelp("Record the call in this ledger (SQLite, or JSON Lines if it ends in .jsonl).", valueName: "path"))
    var ledger: String?

    @Flag(help: "Print the routed response as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The prompt text.")
    var prompt: String

    func run() async throws {
        throw notYetAvailable("send", needs: "the Router")
    }
}
