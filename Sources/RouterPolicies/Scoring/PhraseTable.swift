import Foundation

/// Several named keyword lists compiled into one `KeywordAutomaton`, so all of them are counted
/// in a single pass over the text.
struct PhraseTable: Sendable {
    let automaton: KeywordAutomaton
    /// The phrase ids of every list's keywords, list after list, each list in its order. Flat
    /// integers, so counting a list's hits (on every request, for every list) touches no
    /// reference-counted value.
    private let ids: [Int32]
    /// The keyword as written, parallel to `ids`: read only for evidence.
    private let keywords: [String]
    /// List `i` is `ids[listStart[i] ..< listStart[i + 1]]`.
    private let listStart: [Int]
    /// The lists a phrase id is in: `listsOfPhrase[listsOfPhraseStart[id] ..< listsOfPhraseStart[id + 1]]`.
    private let listsOfPhrase: [Int32]
    private let listsOfPhraseStart: [Int32]

    init(lists keywordLists: [[String]]) {
        var ids: [[UInt8]: Int] = [:]
        var phrases: [[UInt8]] = []
        var flatIDs: [Int32] = []
        var flatKeywords: [String] = []
        var listStart = [0]
        for keywords in keywordLists {
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
                if seen.insert(id).inserted {
                    flatIDs.append(Int32(id))
                    flatKeywords.append(keyword)
                }
            }
            listStart.append(flatIDs.count)
        }
        self.automaton = KeywordAutomaton(phrases: phrases)
        self.ids = flatIDs
        self.keywords = flatKeywords
        self.listStart = listStart
        var lists = [[Int32]](repeating: [], count: phrases.count)
        for list in 0..<(listStart.count - 1) {
            for position in listStart[list]..<listStart[list + 1] { lists[Int(flatIDs[position])].append(Int32(list)) }
        }
        self.listsOfPhrase = lists.flatMap { $0 }
        var start: [Int32] = [0]
        for entry in lists { start.append(start[start.count - 1] + Int32(entry.count)) }
        self.listsOfPhraseStart = start
    }

    /// Counts every phrase in `bytes` and hands the per-phrase counts to `body`; for a short
    /// text, followed by the automaton's hit log, which `hits(ofList:counts:)` reads to skip
    /// lists with no hit. A long text finds many phrases, its lists are worth reading in full,
    /// and logging would cost a little on every match.
    func withCounts<R>(in bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<Int32>) -> R) -> R {
        let capacity = bytes.count <= Self.hitLogTextLimit ? automaton.hitLogCapacity : automaton.phraseCount
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: max(capacity, 1)) { counts in
            counts.initialize(repeating: 0)
            automaton.count(in: bytes, into: counts)
            return body(UnsafeBufferPointer(counts))
        }
    }

    /// Texts up to this many bytes (about 250 words) get a hit log.
    static let hitLogTextLimit = 2_048

    /// Total hits of list `index` and up to `evidenceLimit` of its matched keywords.
    func hits(ofList index: Int, counts: UnsafeBufferPointer<Int32>, evidenceLimit: Int = 3) -> (count: Int, evidence: [String]) {
        // A short text finds few phrases: when none of them is in this list, the list's (often
        // long) keyword run need not be read — the fixed cost of a short prompt's decision.
        if counts.count >= automaton.hitLogCapacity, !listHasHit(index, counts: counts) { return (0, []) }
        var total = 0
        var evidence: [String] = []
        ids.withUnsafeBufferPointer { ids in
            for position in listStart[index]..<listStart[index + 1] {
                let count = Int(counts[Int(ids[position])])
                guard count > 0 else { continue }
                total += count
                if evidence.count < evidenceLimit {
                    // One allocation, with room for the two counts a signal may add in front.
                    if evidence.isEmpty { evidence.reserveCapacity(evidenceLimit + 2) }
                    evidence.append(keywords[position])
                }
            }
        }
        return (total, evidence)
    }

    /// Whether any phrase in the hit log after the counts is in list `index`.
    private func listHasHit(_ index: Int, counts: UnsafeBufferPointer<Int32>) -> Bool {
        let phraseCount = automaton.phraseCount
        let found = Int(counts[phraseCount])
        return listsOfPhrase.withUnsafeBufferPointer { lists in
            listsOfPhraseStart.withUnsafeBufferPointer { start in
                for entry in 0..<found {
                    let id = Int(counts[phraseCount + 1 + entry])
                    for slot in Int(start[id])..<Int(start[id + 1]) where lists[slot] == Int32(index) { return true }
                }
                return false
            }
        }
    }
}

/// A `PhraseTable` compiled on first use. A scorer or classifier built by the policy engine
/// never reads its own table (the engine counts every list in one shared table), and compiling
/// an automaton is most of what building an engine costs; the standalone `score(_:)` and
/// `classify(_:)` compile it the first time they run.
final class LazyPhraseTable: @unchecked Sendable {
    // @unchecked: `table` is only read and written under `lock`; `lists` is immutable.
    private let lists: [[String]]
    private let lock = NSLock()
    private var table: PhraseTable?

    init(lists: [[String]]) {
        self.lists = lists
    }

    /// The compiled table (compiled once, by the first caller).
    var value: PhraseTable {
        lock.lock()
        defer { lock.unlock() }
        if let table { return table }
        let compiled = PhraseTable(lists: lists)
        table = compiled
        return compiled
    }
}

/// Runs `body` over the UTF-8 bytes of `text` without copying when the string is native.
@inline(__always)
func withUTF8Bytes<R>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
    var copy = text
    return copy.withUTF8(body)
}
