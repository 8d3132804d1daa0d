import ArgumentParser
import RouterPolicies

/// How a prompt is routed: the policy, an explicit task and caller metadata. Shared by `send`
/// and `explain` (`@OptionGroup`), so both spell and document these options alike.
struct RoutingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Policy file, or `default` for the bundled policy.", valueName: "file"))
    var policy: String = "default"

    @Option(help: "Task type (else the policy's classifier decides).")
    var task: String?

    @Option(name: .customLong("metadata"), help: ArgumentHelp("Caller metadata (repeatable).", valueName: "key=value"))
    var metadataPairs: [String] = []

    /// Warns on stderr when `--task` names no task of `policy`: the engine then routes the
    /// prompt as the policy's fallback task, which a typo should not do silently.
    func warnAboutUnknownTask(in policy: Policy) {
        guard let task, policy.tasks[task] == nil else { return }
        let known = policy.tasks.keys.sorted().joined(separator: ", ")
        Terminal.writeError("warning: --task '\(task)' is not a task of policy '\(policy.name)' (its tasks: \(known)); "
                            + "it is routed as the fallback task")
    }
}
