import Synchronization

/// Which tier each conversation last ran on and how large its cached prefix was, for
/// cache-aware routing: a bounded least-recently-used map in the router's memory (the policy
/// engine stays pure; the router passes what it remembers in `RoutingInput`).
final class SessionTierMemory: Sendable {
    struct Entry: Sendable, Equatable {
        var tier: String
        /// Prompt tokens the conversation's last reply read from or wrote to the cache.
        var cachedPrefixTokens: Int
    }

    private struct State {
        var entries: [String: (entry: Entry, tick: UInt64)] = [:]
        var tick: UInt64 = 0
    }

    /// The most conversations remembered; the least recently used is forgotten first.
    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 10_000) { self.capacity = max(1, capacity) }

    func entry(for session: String) -> Entry? {
        state.withLock { state in
            guard var found = state.entries[session] else { return nil }
            state.tick += 1
            found.tick = state.tick
            state.entries[session] = found
            return found.entry
        }
    }

    func remember(_ entry: Entry, for session: String) {
        state.withLock { state in
            state.tick += 1
            state.entries[session] = (entry, state.tick)
            if state.entries.count > capacity {
                // Evicting in a batch (down to 90%) keeps the scan rare: O(n) once per 10% of inserts.
                let keep = capacity * 9 / 10
                let sorted = state.entries.sorted { $0.value.tick > $1.value.tick }
                state.entries = Dictionary(uniqueKeysWithValues: sorted.prefix(keep).map { ($0.key, $0.value) })
            }
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
