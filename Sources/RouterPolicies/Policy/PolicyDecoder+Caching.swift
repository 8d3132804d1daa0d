import Foundation

extension PolicyDecoder {
    // MARK: - Prompt caching and the response cache

    /// `caching:` (policy-wide or a task's): `enabled`, `ttl` (`5m`|`1h`), `prefixes` (a list of
    /// `tools`, `system`, `documents`, `conversation`) and `session_key` (a metadata key, or
    /// `none` to turn cache-aware routing off).
    func decodeCaching(_ node: YAMLNode, what: String) -> CachingPolicy? {
        guard let map = context.mapping(node, optional: ["enabled", "ttl", "prefixes", "session_key"], what: what) else {
            return nil
        }
        var caching = CachingPolicy()
        if let value = map.present("enabled").flatMap(context.bool) { caching.enabled = value }
        if let ttlNode = map.present("ttl"), let text = context.string(ttlNode) {
            if let ttl = CachingPolicy.TTL(rawValue: text) {
                caching.ttl = ttl
            } else {
                context.error("unknown cache ttl '\(text)': the API offers '5m' and '1h'", at: ttlNode)
            }
        }
        if let listNode = map.present("prefixes"), let items = context.sequence(listNode) {
            var prefixes: Set<CachingPolicy.Prefix> = []
            let names = CachingPolicy.Prefix.allCases.map(\.rawValue)
            for item in items {
                guard let text = context.string(item) else { continue }
                guard let prefix = CachingPolicy.Prefix(rawValue: text) else {
                    context.error("unknown prefix '\(text)'\(YAMLDecodingContext.suggestion(for: text, among: names))",
                                  at: item)
                    continue
                }
                prefixes.insert(prefix)
            }
            caching.prefixes = prefixes
        }
        if let keyNode = map.present("session_key"), let key = context.nonEmptyString(keyNode) {
            caching.sessionKey = key == "none" ? nil : key
        }
        return caching
    }

    /// A task's `caching:` and `response_cache:` keys, set on `route`.
    func decodeTaskCaching(_ map: YAMLMapping, task: String, into route: inout TaskRoute) {
        route.caching = map.present("caching").flatMap { decodeCaching($0, what: "caching of task '\(task)'") }
        route.responseCache = map.present("response_cache").flatMap { decodeResponseCache($0, task: task) }
    }

    /// `response_cache: {ttl: 10m, partition_by: user}`; `partition_by: none` shares answers
    /// between callers (said explicitly, never by default).
    func decodeResponseCache(_ node: YAMLNode, task: String) -> ResponseCachePolicy? {
        guard let map = context.mapping(node, required: ["ttl"], optional: ["partition_by"],
                                        what: "response_cache of task '\(task)'") else { return nil }
        guard let ttlNode = map["ttl"], let seconds = durationSeconds(ttlNode) else { return nil }
        var cache = ResponseCachePolicy(ttlSeconds: seconds)
        if let keyNode = map.present("partition_by"), let key = context.nonEmptyString(keyNode) {
            cache.partitionBy = key == "none" ? nil : key
        }
        return cache
    }

    /// A positive duration written `90s`, `10m`, `2h`, `1d` or a bare number of seconds.
    func durationSeconds(_ node: YAMLNode) -> Int? {
        guard let text = context.string(node)?.trimmingCharacters(in: .whitespaces) else { return nil }
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var digits = Substring(text)
        var scale = 1
        if let last = text.last, let unit = units[last] {
            digits = text.dropLast()
            scale = unit
        }
        guard let value = Int(digits), value > 0, value <= Int(Int32.max) / scale else {
            context.error("expected a positive duration such as 90s, 10m, 2h or 1d, found '\(text)'", at: node)
            return nil
        }
        return value * scale
    }
}
