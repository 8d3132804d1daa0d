/// One server-sent event: the `event:` name (if any) and the joined `data:` lines.
struct ServerSentEvent: Sendable, Equatable {
    var event: String?
    var data: [UInt8]
}

/// Incremental `text/event-stream` parser fed arbitrary byte chunks.
///
/// Frames may be split at any byte (docs/ANTHROPIC-API.md "Streaming"); lines end in LF, CRLF or CR —
/// a CR at the end of one chunk followed by LF at the start of the next is one line end.
/// Works on bytes: no `String` per line, only one per dispatched event name.
/// Comments (`:`), `id:` and `retry:` are ignored; an event without `data:` is not dispatched.
struct SSEParser: Sendable {
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")
    private static let colon = UInt8(ascii: ":")
    private static let space = UInt8(ascii: " ")
    private static let dataField = Array("data".utf8)
    private static let eventField = Array("event".utf8)

    /// Unconsumed bytes; `lineStart` is where the current partial line begins.
    private var buffer: [UInt8] = []
    private var lineStart = 0
    /// Bytes before this index contain no line end (so a long line is not rescanned per chunk).
    private var scanned = 0
    private var skipNextLF = false
    private var eventName: String?
    private var data: [UInt8] = []
    private var hasData = false

    /// Appends a chunk and returns the events it completed, in order.
    mutating func feed(_ chunk: some Collection<UInt8>) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        feed(chunk, into: &events)
        return events
    }

    /// Appends a chunk and appends the events it completed to `events`.
    mutating func feed(_ chunk: some Collection<UInt8>, into events: inout [ServerSentEvent]) {
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
            processLine(from: lineStart, to: lineEnd, into: &events)
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

    private mutating func processLine(from start: Int, to end: Int, into events: inout [ServerSentEvent]) {
        if start == end {
            dispatch(into: &events)
            return
        }
        if buffer[start] == Self.colon { return }  // comment
        var colonIndex = start
        while colonIndex < end, buffer[colonIndex] != Self.colon { colonIndex += 1 }
        var valueStart = min(colonIndex + 1, end)
        if valueStart < end, buffer[valueStart] == Self.space { valueStart += 1 }
        // Field names and event names compared as raw bytes (`holds(_:at:)`).
        buffer.withUnsafeBufferPointer { bytes in
            let field = UnsafeBufferPointer(rebasing: bytes[start..<colonIndex])
            if Self.equal(field, Self.dataField) {
                data.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[valueStart..<end]))
                data.append(Self.lf)
                hasData = true
            } else if Self.equal(field, Self.eventField) {
                eventName = Self.eventName(UnsafeBufferPointer(rebasing: bytes[valueStart..<end]))
            }
        }
    }

    /// The Messages API's event names, shared instead of a new String per event.
    private static let knownNames: [(bytes: [UInt8], name: String)] = [
        "content_block_delta", "ping", "message_start", "content_block_start", "content_block_stop", "message_delta",
        "message_stop", "error",
    ].map { (Array($0.utf8), $0) }

    private static func eventName(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        for known in knownNames where equal(bytes, known.bytes) { return known.name }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ expected: [UInt8]) -> Bool {
        bytes.count == expected.count && bytes.holds(expected, at: 0)
    }

    private mutating func dispatch(into events: inout [ServerSentEvent]) {
        defer {
            eventName = nil
            hasData = false
        }
        guard hasData else { return }
        data.removeLast()  // the LF appended after the last data line
        let name = eventName.flatMap { $0.isEmpty ? nil : $0 }
        events.append(ServerSentEvent(event: name, data: data))
        data = []
        data.reserveCapacity(256)
    }
}
