import Foundation
import Testing

@testable import ClaudeClient

/// The transfer state machine without libcurl: each test drives the transitions a transfer
/// goes through and checks the action each one returns. Continuations are real; every action is
/// executed the way `CurlTransfer.run` executes it, so each waiter is resumed exactly once.
@Suite("Transfer state machine")
struct TransferStateMachineTests {
    typealias Machine = CurlTransferStateMachine

    /// An action reduced to what the tests compare.
    enum Step: Equatable {
        case none, submit, resumeHead, resumeCompletion, fail, unpause
        case resumeChunk(unpause: Bool)
        case remove(hasWaiter: Bool)
    }

    /// Executes `action` like `CurlTransfer.run` (minus the loop) and names it.
    @discardableResult
    static func execute(_ action: Machine.Action) -> Step {
        switch action {
        case .none: return .none
        case .submit: return .submit
        case .resumeHead(let continuation, let head):
            continuation.resume(returning: head)
            return .resumeHead
        case .resumeCompletion(let continuation, let head, let body):
            continuation.resume(returning: (head, body))
            return .resumeCompletion
        case .resumeChunk(let continuation, let chunk, let unpause):
            continuation.resume(returning: chunk)
            return .resumeChunk(unpause: unpause)
        case .fail(let waiter, let error):
            waiter.fail(error)
            return .fail
        case .unpause: return .unpause
        case .remove(let waiter, let error):
            waiter?.fail(error)
            return .remove(hasWaiter: waiter != nil)
        }
    }

    static func write(_ text: String, to machine: inout Machine) -> Machine.WriteDecision {
        Array(text.utf8).withUnsafeBytes { machine.bodyReceived($0) }
    }

    /// A read that waits (`nextChunk` returns `expect`), then a write of `text`, which must be handed
    /// straight to that read (nothing may queue while a read waits); returns what the read got.
    static func readHandedOff(_ machine: inout Machine, expect: Step, write text: String) async throws -> [UInt8]? {
        try await withCheckedThrowingContinuation { continuation in
            #expect(execute(machine.nextChunk(continuation)) == expect)
            guard case .handOff(let reader) = write(text, to: &machine) else {
                Issue.record("the write '\(text)' was not handed to the waiting read")
                continuation.resume(returning: nil)
                return
            }
            reader.resume(returning: Array(text.utf8))
        }
    }

    static let head = HTTPResponseHead(status: 200, headers: [("content-type", "text/event-stream")])
    static let cancelled = TransportError(kind: .cancelled, detail: "request cancelled")
    static let interrupted = TransportError(kind: .interrupted, detail: "connection reset")

    /// Starts a stream and delivers its head; the machine is then in the streaming state.
    static func streaming(high: Int = 4, low: Int = 1) async throws -> Machine {
        var machine = Machine(highWaterMark: high, lowWaterMark: low)
        let received = try await withCheckedThrowingContinuation { continuation in
            #expect(execute(machine.start(.head(continuation))) == .submit)
            #expect(execute(machine.headReceived(head)) == .resumeHead)
        }
        #expect(received.status == 200)
        return machine
    }

    /// Reads one chunk; `expect` is the step `nextChunk` must return.
    static func read(_ machine: inout Machine, expect: Step) async throws -> [UInt8]? {
        try await withCheckedThrowingContinuation { continuation in
            #expect(execute(machine.nextChunk(continuation)) == expect)
        }
    }

    @Test func bufferedTransferDeliversHeadAndWholeBodyWhenLibcurlFinishes() async throws {
        var machine = Machine(highWaterMark: 4, lowWaterMark: 1)
        let (head, body) = try await withCheckedThrowingContinuation { continuation in
            #expect(Self.execute(machine.start(.completion(continuation))) == .submit)
            #expect(Self.execute(machine.headReceived(Self.head)) == .none)
            // Buffered mode never pauses, whatever the high-water mark.
            for piece in ["ab", "cd", "ef"] {
                guard case .accepted = Self.write(piece, to: &machine) else {
                    Issue.record("a buffered write was not accepted")
                    return
                }
            }
            #expect(Self.execute(machine.finished(.success(nil))) == .resumeCompletion)
        }
        #expect(head.status == 200)
        #expect(String(decoding: body, as: UTF8.self) == "abcdef")
        #expect(machine.largestChunk == 2)
        #expect(machine.failure == nil)
        // Finished: a late write is refused.
        guard case .abort = Self.write("x", to: &machine) else {
            Issue.record("a write after the end was not aborted")
            return
        }
    }

    @Test func bufferedTransferUsesTheParsedHeadWhenTheBlankLineNeverCame() async throws {
        var machine = Machine(highWaterMark: 4, lowWaterMark: 1)
        let partial = HTTPResponseHead(status: 204, headers: [])
        let (head, body) = try await withCheckedThrowingContinuation { continuation in
            #expect(Self.execute(machine.start(.completion(continuation))) == .submit)
            #expect(Self.execute(machine.finished(.success(partial))) == .resumeCompletion)
        }
        #expect(head.status == 204)
        #expect(body.isEmpty)
    }

    @Test func cancelBeforeStartFailsTheStartWithoutSubmitting() async throws {
        var machine = Machine(highWaterMark: 4, lowWaterMark: 1)
        #expect(Self.execute(machine.cancel(Self.cancelled)) == .none)
        await #expect(throws: Self.cancelled) {
            _ = try await withCheckedThrowingContinuation { continuation in
                #expect(Self.execute(machine.start(.completion(continuation))) == .fail)
            }
        }
        #expect(machine.failure?.kind == .cancelled)
    }

    @Test func cancelWhileWaitingForTheHeadRemovesTheTransferAndFailsTheWaiter() async throws {
        var machine = Machine(highWaterMark: 4, lowWaterMark: 1)
        await #expect(throws: Self.cancelled) {
            _ = try await withCheckedThrowingContinuation { continuation in
                #expect(Self.execute(machine.start(.head(continuation))) == .submit)
                #expect(Self.execute(machine.cancel(Self.cancelled)) == .remove(hasWaiter: true))
            }
        }
        // The loop's later report of the aborted transfer changes nothing.
        #expect(Self.execute(machine.finished(.failure(Self.interrupted))) == .none)
        #expect(machine.failure == Self.cancelled)
        #expect(Self.execute(machine.cancel(Self.cancelled)) == .none)
    }

    @Test func streamThatEndsWithoutAHeadFailsTheHeadWaiter() async throws {
        var machine = Machine(highWaterMark: 4, lowWaterMark: 1)
        await #expect(throws: TransportError.self) {
            _ = try await withCheckedThrowingContinuation { continuation in
                #expect(Self.execute(machine.start(.head(continuation))) == .submit)
                #expect(Self.execute(machine.finished(.success(nil))) == .fail)
            }
        }
        #expect(machine.failure?.kind == .other)
    }

    @Test func streamedChunksQueuePauseAtTheHighWaterMarkAndUnpauseBelowTheLowOne() async throws {
        var machine = try await Self.streaming(high: 4, low: 1)
        guard case .accepted = Self.write("ab", to: &machine), case .accepted = Self.write("cd", to: &machine),
            case .pause = Self.write("ef", to: &machine)
        else {
            Issue.record("expected two queued writes, then a pause at 4 buffered bytes")
            return
        }
        #expect(machine.pauses == 1)
        #expect(machine.peakBufferedBytes == 4)
        // 2 bytes left is above the low-water mark: stay paused.
        #expect(try await Self.read(&machine, expect: .resumeChunk(unpause: false)) == Array("ab".utf8))
        // 0 bytes left: resume libcurl, which re-delivers the paused write.
        #expect(try await Self.read(&machine, expect: .resumeChunk(unpause: true)) == Array("cd".utf8))
        guard case .accepted = Self.write("ef", to: &machine) else {
            Issue.record("the re-delivered write was not queued")
            return
        }
        #expect(try await Self.read(&machine, expect: .resumeChunk(unpause: false)) == Array("ef".utf8))
        #expect(Self.execute(machine.finished(.success(nil))) == .none)
        #expect(try await Self.read(&machine, expect: .resumeChunk(unpause: false)) == nil)
    }

    @Test func aWaitingReadTakesTheNextWriteDirectlyAndSeesTheEnd() async throws {
        var machine = try await Self.streaming()
        let chunk = try await Self.readHandedOff(&machine, expect: .none, write: "hi")
        #expect(chunk == Array("hi".utf8))
        let end = try await withCheckedThrowingContinuation { continuation in
            #expect(Self.execute(machine.nextChunk(continuation)) == .none)
            #expect(Self.execute(machine.finished(.success(nil))) == .resumeChunk(unpause: false))
        }
        #expect(end == nil)
    }

    /// The reader's fast path, reduced to what the tests compare.
    enum Immediate: Equatable {
        case chunk(String, unpause: Bool)
        case end
        case wait
    }

    static func immediate(_ machine: inout Machine) -> Immediate {
        switch machine.takeImmediateRead() {
        case .chunk(let data, let unpause): return .chunk(String(decoding: data, as: UTF8.self), unpause: unpause)
        case .end: return .end
        case nil: return .wait
        }
    }

    @Test func immediateReadsTakeQueuedChunksInOrderUnpauseBelowTheLowMarkAndSeeTheEnd() async throws {
        var machine = try await Self.streaming(high: 4, low: 1)
        #expect(Self.immediate(&machine) == .wait)
        guard case .accepted = Self.write("ab", to: &machine), case .accepted = Self.write("cd", to: &machine),
            case .pause = Self.write("ef", to: &machine)
        else {
            Issue.record("expected two queued writes, then a pause at 4 buffered bytes")
            return
        }
        // The same decisions as the waiting reads in the high-water-mark test above.
        #expect(Self.immediate(&machine) == .chunk("ab", unpause: false))
        #expect(Self.immediate(&machine) == .chunk("cd", unpause: true))
        #expect(Self.immediate(&machine) == .wait)
        guard case .accepted = Self.write("ef", to: &machine) else {
            Issue.record("the re-delivered write was not queued")
            return
        }
        #expect(Self.execute(machine.finished(.success(nil))) == .none)
        #expect(Self.immediate(&machine) == .chunk("ef", unpause: false))
        #expect(Self.immediate(&machine) == .end)
        #expect(Self.immediate(&machine) == .end)
    }

    @Test func immediateReadsLeaveErrorsAndMisuseToTheWaitingRead() async throws {
        // Before the head: the waiting read reports the misuse.
        var early = Machine(highWaterMark: 4, lowWaterMark: 1)
        #expect(Self.immediate(&early) == .wait)
        // A body that broke after a queued chunk: the chunk first, then the waiting read's error.
        var machine = try await Self.streaming()
        guard case .accepted = Self.write("ab", to: &machine) else {
            Issue.record("the write was not queued")
            return
        }
        #expect(Self.execute(machine.finished(.failure(Self.interrupted))) == .none)
        #expect(Self.immediate(&machine) == .chunk("ab", unpause: false))
        #expect(Self.immediate(&machine) == .wait)
        await #expect(throws: Self.interrupted) {
            _ = try await Self.read(&machine, expect: .fail)
        }
        // Cancelled: nothing immediate, the waiting read reports the cancellation.
        var cancelled = try await Self.streaming()
        guard case .accepted = Self.write("cd", to: &cancelled) else {
            Issue.record("the write was not queued")
            return
        }
        #expect(Self.execute(cancelled.cancel(Self.cancelled)) == .remove(hasWaiter: false))
        #expect(Self.immediate(&cancelled) == .wait)
        await #expect(throws: Self.cancelled) {
            _ = try await Self.read(&cancelled, expect: .fail)
        }
    }

    @Test func aReadOfAnEmptyPausedQueueUnpausesTheTransfer() async throws {
        var machine = try await Self.streaming(high: 0, low: 0)
        guard case .pause = Self.write("ab", to: &machine) else {
            Issue.record("a zero high-water mark must pause the first write")
            return
        }
        let chunk = try await Self.readHandedOff(&machine, expect: .unpause, write: "ab")
        #expect(chunk == Array("ab".utf8))
        // libcurl runs again: the kept queue must not carry the pause over, or the next read
        // would ask to unpause a transfer that is not paused.
        let next = try await Self.readHandedOff(&machine, expect: .none, write: "cd")
        #expect(next == Array("cd".utf8))
    }

    /// Each waiting read keeps the emptied queue and the writes after its hand-off queue into it:
    /// round after round they come out whole and in order, and the high-water mark still counts
    /// from zero (the kept queue carries no bytes and no pause over).
    @Test func writesAfterEachWaitingReadQueueInOrderRoundAfterRound() async throws {
        var machine = try await Self.streaming(high: 4, low: 1)
        for round in 0..<3 {
            let first = try await Self.readHandedOff(&machine, expect: .none, write: "h\(round)")
            #expect(first == Array("h\(round)".utf8))
            guard case .accepted = Self.write("a\(round)", to: &machine), case .accepted = Self.write("b\(round)", to: &machine),
                case .pause = Self.write("c\(round)", to: &machine)
            else {
                Issue.record("round \(round): expected two queued writes, then a pause at 4 buffered bytes")
                return
            }
            #expect(try await Self.read(&machine, expect: .resumeChunk(unpause: false)) == Array("a\(round)".utf8))
            #expect(try await Self.read(&machine, expect: .resumeChunk(unpause: true)) == Array("b\(round)".utf8))
        }
        #expect(machine.pauses == 3)
        #expect(Self.execute(machine.finished(.success(nil))) == .none)
        #expect(try await Self.read(&machine, expect: .resumeChunk(unpause: false)) == nil)
    }

    @Test func aFailureMidStreamDeliversQueuedChunksThenTheError() async throws {
        var machine = try await Self.streaming()
        guard case .accepted = Self.write("ab", to: &machine) else {
            Issue.record("the write was not queued")
            return
        }
        #expect(Self.execute(machine.finished(.failure(Self.interrupted))) == .none)
        #expect(try await Self.read(&machine, expect: .resumeChunk(unpause: false)) == Array("ab".utf8))
        await #expect(throws: Self.interrupted) {
            _ = try await Self.read(&machine, expect: .fail)
        }
    }

    @Test func cancelWhileAReadWaitsRemovesTheTransferAndLaterWritesAbort() async throws {
        var machine = try await Self.streaming()
        await #expect(throws: Self.cancelled) {
            _ = try await withCheckedThrowingContinuation { continuation in
                #expect(Self.execute(machine.nextChunk(continuation)) == .none)
                #expect(Self.execute(machine.cancel(Self.cancelled)) == .remove(hasWaiter: true))
            }
        }
        guard case .abort = Self.write("late", to: &machine) else {
            Issue.record("a write after cancellation was not aborted")
            return
        }
        #expect(machine.failure?.kind == .cancelled)
    }

    @Test func cancelWithNoReadPendingStillRemovesTheRunningTransfer() async throws {
        var machine = try await Self.streaming()
        #expect(Self.execute(machine.cancel(Self.cancelled)) == .remove(hasWaiter: false))
    }

    @Test func cancelAfterTheEndDropsQueuedChunksSoReadsReportTheCancellation() async throws {
        var machine = try await Self.streaming()
        guard case .accepted = Self.write("ab", to: &machine) else {
            Issue.record("the write was not queued")
            return
        }
        #expect(Self.execute(machine.finished(.success(nil))) == .none)
        #expect(Self.execute(machine.cancel(Self.cancelled)) == .none)
        await #expect(throws: Self.cancelled) {
            _ = try await Self.read(&machine, expect: .fail)
        }
    }

    @Test func libcurlMillisecondsAreAtLeastOneAndClampedToInt32() {
        #expect(CurlTransfer.milliseconds(.zero) == 1)
        #expect(CurlTransfer.milliseconds(.seconds(-5)) == 1)
        #expect(CurlTransfer.milliseconds(.microseconds(1500)) == 1)
        #expect(CurlTransfer.milliseconds(.seconds(30)) == 30_000)
        #expect(CurlTransfer.milliseconds(.seconds(Int64(Int32.max))) == Int(Int32.max))
    }
}
