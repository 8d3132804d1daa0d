public import ClaudeClient
public import RouterPolicies

extension ModelRouter {
    /// The decision ``send(_:options:logger:)`` would start `request` with, under the policy in
    /// force now (after any due reload), without reserving budget or sending anything.
    ///
    /// `request.model == "auto"` (or empty) is decided by the policy; any other model is the
    /// pass-through decision (tier `passthrough` unless a policy tier uses that model). Budget
    /// downgrades are not applied: they depend on spend at the moment of the call. Used to
    /// pick the model for a `count_tokens` request sent with model `auto`, and by `explain`-like
    /// tools that want the router's own view of a request.
    public func decision(for request: MessageRequest, options: CallOptions = .init()) async -> RoutingDecision {
        let snapshot = await store.current()
        let input = RoutingInput(request: request, options: options)
        return initialDecision(request, input: input, engine: snapshot.engine)
    }
}
