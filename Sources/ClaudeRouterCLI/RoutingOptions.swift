import ArgumentParser

/// How a prompt is routed: the policy, an explicit task and caller metadata. Shared by `send`
/// and `explain` (`@OptionGroup`), so both spell and document these options alike.
struct RoutingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Policy file (`default` for the bundled policy).", valueName: "file"))
    var policy: String

    @Option(help: "Task type (else the policy's classifier decides).")
    var task: String?

    @Option(name: .customLong("metadata"), help: ArgumentHelp("Caller metadata (repeatable).", valueName: "key=value"))
    var metadataPairs: [String] = []
}
