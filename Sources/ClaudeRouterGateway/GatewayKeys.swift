import Foundation
import RouterPolicies

/// The callers' keys: SHA-256 hashes of gateway keys, each mapped to who is calling.
///
/// File format (YAML):
/// ```yaml
/// keys:
///   - name: alice-laptop          # a label for logs and the ledger (not secret)
///     sha256: 2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b
///     user: alice                 # required: becomes the call's `user` metadata
///     team: research              # optional: becomes `team` metadata
///     metadata: { cost_center: "4711" }   # optional extra metadata
///     admin: true                 # optional (default false): may read GET /dashboard
/// ```
/// Only hashes are stored, so the file reveals no key. The identity becomes the call's
/// metadata (`user`, `team`, `gateway_key`), which wins over anything the caller sends, so a
/// policy's budgets scoped `metadata:user` or `metadata:team` hold per key.
package struct GatewayKeys: Sendable {
    /// Who a key belongs to.
    package struct Caller: Sendable, Hashable {
        /// The key's label (`name`), safe to log.
        package var name: String
        /// The user the key is issued to.
        package var user: String
        /// The team, if any.
        package var team: String?
        /// Extra metadata from the file.
        package var metadata: [String: String]
        /// Whether the key may read `GET /dashboard`, which shows every user's spend and budgets
        /// (`admin: true` in the file; default false).
        package var isAdmin: Bool

        /// The metadata a call made with this key carries: `metadata`, then `user`, `team` and
        /// `gateway_key` (the key's name), which override same-named entries.
        package var callMetadata: [String: String] {
            var result = metadata
            result["user"] = user
            if let team { result["team"] = team }
            result["gateway_key"] = name
            return result
        }

        /// Creates a caller.
        package init(name: String, user: String, team: String? = nil, metadata: [String: String] = [:], isAdmin: Bool = false) {
            self.name = name
            self.user = user
            self.team = team
            self.metadata = metadata
            self.isAdmin = isAdmin
        }
    }

    private let callers: [String: Caller]

    /// Number of keys.
    package var count: Int { callers.count }

    /// Keys from `(sha256 hex, caller)` pairs.
    package init(hashes: [(sha256: String, caller: Caller)]) {
        var callers: [String: Caller] = [:]
        for entry in hashes { callers[entry.sha256.lowercased()] = entry.caller }
        self.callers = callers
    }

    /// The caller a presented key belongs to, or `nil` for an unknown key.
    package func caller(forKey key: String) -> Caller? {
        callers[SHA256.hex(of: Array(key.utf8))]
    }

    /// The SHA-256 hex digest of `key`, as the keys file stores it.
    package static func hash(_ key: String) -> String { SHA256.hex(of: Array(key.utf8)) }

    /// Loads a keys file.
    /// - Throws: `PolicyError` with `file:line:column` diagnostics (unknown keys, a hash that is not
    ///   64 hex digits, a hash listed twice, a missing `user`, an `admin` that is not a boolean).
    package static func load(file: String) throws(PolicyError) -> GatewayKeys {
        let text = try SourceText.read(file: file, what: "keys file", limit: SourceText.policyByteLimit)
        return try parse(yaml: text, file: file)
    }

    /// Parses keys-file YAML; `file` names it in diagnostics.
    /// - Throws: `PolicyError`, as ``load(file:)``.
    package static func parse(yaml text: String, file: String) throws(PolicyError) -> GatewayKeys {
        let context = try YAMLDecodingContext(text: text, file: file)
        var entries: [(sha256: String, caller: Caller)] = []
        var seen: [String: SourceMark] = [:]
        if let root = context.mapping(context.root, required: ["keys"], optional: [], what: "keys file"),
           let list = root.present("keys"), let items = context.sequence(list) {
            for item in items {
                guard let mapping = context.mapping(item, required: ["name", "sha256", "user"],
                                                    optional: ["team", "metadata", "admin"], what: "key") else { continue }
                // Each field is checked on its own, so one run reports every problem of an entry.
                let name = mapping["name"].flatMap(context.nonEmptyString)
                let user = mapping["user"].flatMap(context.nonEmptyString)
                var checkedDigest: String?
                if let hashNode = mapping["sha256"], let hash = context.nonEmptyString(hashNode) {
                    let digest = hash.lowercased()
                    if digest.utf8.count != 64 || !digest.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) {
                        context.error("sha256 must be 64 hex digits (the SHA-256 of the key, e.g. `printf %s \"$KEY\" | sha256sum`), never the key itself", at: hashNode)
                    } else if let first = seen[digest] {
                        context.error("this key hash is listed twice", at: hashNode, notes: [(mark: first, message: "first listed here")])
                    } else {
                        seen[digest] = hashNode.mark
                        checkedDigest = digest
                    }
                }
                guard let name, let user, let digest = checkedDigest else { continue }
                let team = mapping.present("team").flatMap(context.nonEmptyString)
                var metadata: [String: String] = [:]
                if let node = mapping.present("metadata"), let pairs = context.mapping(node, what: "metadata") {
                    for entry in pairs.entries {
                        if let value = context.string(entry.value) { metadata[entry.key] = value }
                    }
                }
                let isAdmin = mapping.present("admin").flatMap(context.bool) ?? false
                entries.append((digest, Caller(name: name, user: user, team: team, metadata: metadata, isAdmin: isAdmin)))
            }
        }
        try context.finish()
        return GatewayKeys(hashes: entries)
    }
}
