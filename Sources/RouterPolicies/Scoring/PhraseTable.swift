/// Several named keyword lists compiled into one `KeywordAutomaton`, so all of them are counted
/// in a single pass over the text.
struct PhraseTable: Sendable {
    let automaton: KeywordAutomaton
    /// For each list: the phrase ids of its keywords, in list order, and the keyword as written.
    let lists: [[(id: Int, keyword: String)]]

    init(lists keywordLists: [[String]]) {
        var ids: [[UInt8]: Int] = [:]
        var phrases: [[UInt8]] = []
        var lists: [[(id: Int, keyword: String)]] = []
        for keywords in keywordLists {
            var list: [(id: Int, keyword: String)] = []
            var seen = Set<Int>()
            for keyword in keywords {
                let normalized = KeywordAutomaton.normalize(keyword)
                guard !normalized.isEmpty else { continue }
                let id: Int
                if let existing = ids[normalized] {
                    id = existing
                } else {
                    id = phrases.count
                    ids[normalized] = id
                    phrases.append(normalized)
                }
                // A keyword listed twice in one list counts once per occurrence in the text.
                if seen.insert(id).inserted { list.append((id, keyword)) }
            }
            lists.append(list)
        }
        self.automaton = KeywordAutomaton(phrases: phrases)
        self.lists = lists
    }

    /// Counts every phrase in `bytes` and hands the per-phrase counts to `body`.
    func withCounts<R>(in bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<Int32>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: max(automaton.phraseCount, 1)) { counts in
            counts.initialize(repeating: 0)
            automaton.count(in: bytes, into: counts)
            return body(UnsafeBufferPointer(counts))
        }
    }

    /// Total hits of list `index` and up to `evidenceLimit` of its matched keywords.
    func hits(ofList index: Int, counts: UnsafeBufferPointer<Int32>, evidenceLimit: Int = 3) -> (count: Int, evidence: [String]) {
        var total = 0
        var evidence: [String] = []
        for entry in lists[index] where counts[entry.id] > 0 {
            total += Int(counts[entry.id])
            if evidence.count < evidenceLimit { evidence.append(entry.keyword) }
        }
        return (total, evidence)
    }
}

/// Runs `body` over the UTF-8 bytes of `text` without copying when the string is native.
@inline(__always)
func withUTF8Bytes<R>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
    var copy = text
    return copy.withUTF8(body)
}
