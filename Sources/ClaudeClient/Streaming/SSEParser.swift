/// One server-sent event: the `event:` name (if any) and the joined `data:` lines.
struct ServerSentEvent: Sendable, Equatable {
    var event: String?
    var data: [UInt8]
}

/// The event types of a Messages API stream (docs/ANTHROPIC-API.md "Streaming"), recognised
/// from the `event:` line's bytes once per event, so the decoder switches on a byte-sized tag
/// instead of comparing strings. The raw value is the name on the wire.
enum StreamEventType: String, Sendable, CaseIterable {
    case messageStart = "message_start"
    case contentBlockStart = "content_block_start"
    case contentBlockDelta = "content_block_delta"
    case contentBlockStop = "content_block_stop"
    case messageDelta = "message_delta"
    case messageStop = "message_stop"
    case ping
    case error

    /// The type named by these bytes, `nil` for any other name.
    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        switch bytes.count {
        case 19 where bytes.equals("content_block_delta"): self = .contentBlockDelta
        case 19 where bytes.equals("content_block_start"): self = .contentBlockStart
        case 18 where bytes.equals("content_block_stop"): self = .contentBlockStop
        case 13 where bytes.equals("message_start"): self = .messageStart
        case 13 where bytes.equals("message_delta"): self = .messageDelta
        case 12 where bytes.equals("message_stop"): self = .messageStop
        case 4 where bytes.equals("ping"): self = .ping
        case 5 where bytes.equals("error"): self = .error
        default: return nil
        }
    }
}

/// Where ``SSEParser`` delivers each event it completes.
protocol ServerSentEventSink {
    /// One event: its type when the `event:` line names a Messages API event, else its name
    /// (`nil` without an `event:` line or with an empty one), and its joined `data:` lines,
    /// valid only during the call.
    mutating func receive(type: StreamEventType?, name: String?, data: UnsafeBufferPointer<UInt8>)
}

extension Array: ServerSentEventSink where Element == ServerSentEvent {
    /// Appends the event, its data copied.
    mutating func receive(type: StreamEventType?, name: String?, data: UnsafeBufferPointer<UInt8>) {
        append(ServerSentEvent(event: type?.rawValue ?? name, data: Array<UInt8>(data)))
    }
}

/// Incremental `text/event-stream` parser fed arbitrary byte chunks.
///
/// Frames may be split at any byte (docs/ANTHROPIC-API.md "Streaming"); lines end in LF, CRLF or CR —
/// a CR at the end of one chunk followed by LF at the start of the next is one line end.
/// Works on bytes: no `String` per line, none for the API's own event names, and no array per
/// event (the data lines gather in one buffer the sink reads in place).
/// Comments (`:`), `id:` and `retry:` are ignored; an event without `data:` is not dispatched.
struct SSEParser: Sendable {
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")
    private static let colon = UInt8(ascii: ":")
    private static let space = UInt8(ascii: " ")

    /// Unconsumed bytes; `lineStart` is where the current partial line begins.
    private var buffer: [UInt8] = []
    private var lineStart = 0
    /// Bytes before this index contain no line end (so a long line is not rescanned per chunk).
    private var scanned = 0
    private var skipNextLF = false
    private var eventType: StreamEventType?
    /// The `event:` value when it is not one of `StreamEventType`'s.
    private var eventName: String?
    private var data: [UInt8] = []
    private var hasData = false

    /// Appends a chunk and returns the events it completed, in order.
    mutating func feed(_ chunk: some Collection<UInt8>) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        feed(chunk, into: &events)
        return events
    }

    /// Appends a chunk and hands the events it completed to `sink`, in order.
    mutating func feed(_ chunk: some Collection<UInt8>, into sink: inout some ServerSentEventSink) {
        buffer.append(contentsOf: chunk)
        var index = scanned
        let end = buffer.count
        while index < end {
            if skipNextLF {
                skipNextLF = false
                if buffer[index] == Self.lf {
                    lineStart = index + 1
                    index += 1
                    continue
                }
            }
            // The next line end, found over the buffer's storage (no per-byte bounds check).
            let from = index
            let lineEnd = buffer.withUnsafeBufferPointer { bytes -> Int in
                var position = from
                while position < end {
                    let byte = bytes[position]
                    if byte == Self.lf || byte == Self.cr { return position }
                    position &+= 1
                }
                return end
            }
            guard lineEnd < end else { break }
            let byte = buffer[lineEnd]
            processLine(from: lineStart, to: lineEnd, into: &sink)
            skipNextLF = byte == Self.cr
            lineStart = lineEnd + 1
            index = lineEnd + 1
        }
        scanned = end
        compact()
    }

    /// Drops consumed bytes once they dominate the buffer (amortised O(1) per byte).
    private mutating func compact() {
        if lineStart == buffer.count {
            buffer.removeAll(keepingCapacity: true)
        } else if lineStart > 4096, lineStart > buffer.count / 2 {
            buffer.removeSubrange(0..<lineStart)
        } else {
            return
        }
        scanned -= lineStart
        lineStart = 0
    }

    private mutating func processLine(from start: Int, to end: Int, into sink: inout some ServerSentEventSink) {
        if start == end {
            dispatch(into: &sink)
            return
        }
        if buffer[start] == Self.colon { return }  // comment
        var colonIndex = start
        while colonIndex < end, buffer[colonIndex] != Self.colon { colonIndex += 1 }
        var valueStart = min(colonIndex + 1, end)
        if valueStart < end, buffer[valueStart] == Self.space { valueStart += 1 }
        // Field names and event names compared as raw bytes.
        buffer.withUnsafeBufferPointer { bytes in
            let field = UnsafeBufferPointer(rebasing: bytes[start..<colonIndex])
            let value = UnsafeBufferPointer(rebasing: bytes[valueStart..<end])
            if field.equals("data") {
                data.append(contentsOf: value)
                data.append(Self.lf)
                hasData = true
            } else if field.equals("event") {
                eventType = StreamEventType(value)
                eventName = eventType == nil && !value.isEmpty ? String(decoding: value, as: UTF8.self) : nil
            }
        }
    }

    private mutating func dispatch(into sink: inout some ServerSentEventSink) {
        defer {
            eventType = nil
            eventName = nil
            hasData = false
            data.removeAll(keepingCapacity: true)
        }
        guard hasData else { return }
        data.removeLast()  // the LF appended after the last data line
        let (type, name) = (eventType, eventName)
        data.withUnsafeBufferPointer { sink.receive(type: type, name: name, data: $0) }
    }
}
