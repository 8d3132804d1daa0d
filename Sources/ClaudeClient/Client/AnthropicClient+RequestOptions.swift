import Foundation

extension AnthropicClient.APIVersion {
    /// The versions this client knows the request rules of, oldest first: `2023-06-01` and
    /// `2026-10-21` (docs/ANTHROPIC-API.md "Wire basics";
    /// https://docs.anthropic.com/en/api/versioning). A proxy in front of the API can check a
    /// caller's `anthropic-version` against it before sending.
    public static let known: [AnthropicClient.APIVersion] = [.v2023_06_01, .v2026_10_21]
}

extension AnthropicClient {
    /// Settings of one call that differ from the client's ``Configuration``: the
    /// `anthropic-version` and extra `anthropic-beta` names
    /// (https://docs.anthropic.com/en/api/versioning, https://docs.anthropic.com/en/api/beta-headers).
    ///
    /// The default (no version, no betas) sends exactly what the configuration says. Taken by
    /// `createMessage`, `streamMessage`, `countTokens` and `createBatch`.
    public struct RequestOptions: Sendable, Hashable {
        /// `anthropic-version` for this call, and the version whose request rules the client
        /// checks before sending. Default `nil`: ``Configuration/apiVersion``.
        public var apiVersion: APIVersion?
        /// Beta feature names for this call, added after ``Configuration/betas`` (a name in both
        /// is sent once) in the comma-separated `anthropic-beta` header. Default none.
        public var betas: [String]

        /// Creates options; the defaults change nothing.
        public init(apiVersion: APIVersion? = nil, betas: [String] = []) {
            self.apiVersion = apiVersion
            self.betas = betas
        }

        /// Whether these options leave every header as the configuration sets it.
        public var isEmpty: Bool { apiVersion == nil && betas.isEmpty }
    }

    /// The version whose rules apply to a call with `options`.
    func version(_ options: RequestOptions) -> APIVersion {
        options.apiVersion ?? configuration.apiVersion
    }

    /// `headers` (a client's shared set) with `options` applied: `anthropic-version` replaced,
    /// the betas merged into `anthropic-beta` (the configuration's first, duplicates dropped).
    /// - Throws: `refusedClientSide` when a value holds a line break.
    static func applying(_ options: RequestOptions, to headers: [(name: String, value: String)])
        throws(ClaudeError) -> [(name: String, value: String)]
    {
        var headers = headers
        if let version = options.apiVersion {
            try refuseLineBreak(version.rawValue, in: "anthropic-version")
            headers.removeAll { $0.name == "anthropic-version" }
            headers.append(("anthropic-version", version.rawValue))
        }
        if !options.betas.isEmpty {
            var names: [String] = []
            for header in headers where header.name == "anthropic-beta" {
                names += header.value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            }
            for beta in options.betas {
                try refuseLineBreak(beta, in: "anthropic-beta")
                let name = beta.trimmingCharacters(in: .whitespaces)
                if !name.isEmpty, !names.contains(name) { names.append(name) }
            }
            headers.removeAll { $0.name == "anthropic-beta" }
            headers.append(("anthropic-beta", names.filter { !$0.isEmpty }.joined(separator: ",")))
        }
        return headers
    }

    private static func refuseLineBreak(_ value: String, in header: String) throws(ClaudeError) {
        if value.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }) {
            throw ClaudeError(
                code: .refusedClientSide,
                message: "header '\(header)' contains a line break: remove CR/LF from RequestOptions")
        }
    }
}
