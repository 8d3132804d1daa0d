import Foundation
import Synchronization

/// The mock's mutable state behind one `Mutex`, in a class so that the server, its responder
/// and every in-flight token share the same lock (a `Mutex` cannot be copied into each).
final class SharedMockState: Sendable {
    private let state = Mutex(MockServerState())

    /// Runs `body` with exclusive access to the state.
    func withLock<Result: Sendable>(_ body: (inout MockServerState) -> Result) -> Result {
        state.withLock { body(&$0) }
    }
}

/// Mutable state shared by the server object and its request handlers.
struct MockServerState {
    var stats = MockStats()
    var connections: Set<String> = []
    var faults: [MockDirective] = []
    var sequence = 0
    var batchSequence = 0
    var toolSequence = 0
    var batches: [String: MockBatch] = [:]
    var batchOrder: [String] = []
    var stopping = false
    var port: Int?
    var baseURL: String?
    /// Cached prompt prefixes by `model|prefix hash` (``MockPromptCacheBlock``).
    var promptCache: [String: MockCacheEntry] = [:]
}

/// Ends one request's in-flight span when the response (and so its body closure) is released,
/// which also covers responses dropped without being written.
final class InFlightToken: Sendable {
    private let state: SharedMockState

    init(state: SharedMockState) {
        self.state = state
    }

    deinit {
        state.withLock { $0.stats.inFlightRequests -= 1 }
    }
}
