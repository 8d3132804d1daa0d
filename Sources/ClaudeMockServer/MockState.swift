import Foundation

/// A value guarded by a lock.
///
/// `@unchecked Sendable` is safe because every access to `value` goes through `withLock`, which
/// holds the `NSLock` for the whole read or mutation; the value itself is never handed out by
/// reference.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
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
}

/// Ends one request's in-flight span when the response (and so its body closure) is released,
/// which also covers responses dropped without being written.
final class InFlightToken: Sendable {
    private let state: LockedBox<MockServerState>

    init(state: LockedBox<MockServerState>) {
        self.state = state
    }

    deinit {
        state.withLock { $0.stats.inFlightRequests -= 1 }
    }
}
