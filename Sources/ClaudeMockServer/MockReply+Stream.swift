/// The SSE rendering of a ``MockReply`` (docs/ANTHROPIC-API.md, "Streaming").
extension MockReply {
    /// One server-sent event frame: `event: NAME`, `data: JSON`, blank line.
    static func frame(_ name: String, _ data: MockJSON) -> String {
        "event: \(name)\ndata: \(data.serialized)\n\n"
    }

    static let pingFrame = frame("ping", .object([("type", "ping")]))

    /// Splits `text` into word pieces whose concatenation is `text` (" is", " a", …).
    static func wordPieces(_ text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        for character in text {
            if character.isWhitespace, let last = current.last, !last.isWhitespace {
                pieces.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    /// The event frames of the stream, in order.
    /// - Parameters:
    ///   - extraPings: `ping` events interleaved between the text deltas.
    ///   - errorAfter: emit an `overloaded_error` event after this many text deltas and end there.
    func streamFrames(extraPings: Int, errorAfter: Int?, requestID: String) -> [String] {
        var frames: [String] = []
        let startUsage = usage(outputTokens: 1)
        frames.append(Self.frame("message_start", .object([
            ("type", "message_start"),
            ("message", messageObject(content: [], stopReason: .null, stopSequence: .null, usage: startUsage)),
        ])))
        frames.append(Self.frame("content_block_start", .object([
            ("type", "content_block_start"), ("index", 0),
            ("content_block", .object([("type", "text"), ("text", "")])),
        ])))
        frames.append(Self.pingFrame)

        let pieces = Self.wordPieces(text)
        var pingsAfter = [Int](repeating: 0, count: max(pieces.count, 1))
        for ping in 0..<extraPings { pingsAfter[ping % pingsAfter.count] += 1 }
        let errorFrame = Self.frame("error", MockAPIError(
            status: 529, message: "Overloaded (mock error event after HTTP 200, scripted by error-after)"
        ).body(requestID: requestID))

        for (index, piece) in pieces.enumerated() {
            if errorAfter == index { return frames + [errorFrame] }
            frames.append(Self.frame("content_block_delta", .object([
                ("type", "content_block_delta"), ("index", 0),
                ("delta", .object([("type", "text_delta"), ("text", .string(piece))])),
            ])))
            frames += Array(repeating: Self.pingFrame, count: pingsAfter[index])
        }
        if pieces.isEmpty { frames += Array(repeating: Self.pingFrame, count: pingsAfter[0]) }
        if errorAfter != nil { return frames + [errorFrame] }
        frames.append(Self.frame("content_block_stop", .object([("type", "content_block_stop"), ("index", 0)])))

        if let tool {
            frames.append(Self.frame("content_block_start", .object([
                ("type", "content_block_start"), ("index", 1),
                ("content_block", .object([
                    ("type", "tool_use"), ("id", .string(tool.id)), ("name", .string(tool.name)), ("input", .object([])),
                ])),
            ])))
            for piece in Self.chunks(tool.inputJSON, size: 8) {
                frames.append(Self.frame("content_block_delta", .object([
                    ("type", "content_block_delta"), ("index", 1),
                    ("delta", .object([("type", "input_json_delta"), ("partial_json", .string(piece))])),
                ])))
            }
            frames.append(Self.frame("content_block_stop", .object([("type", "content_block_stop"), ("index", 1)])))
        }

        // Usage in message_delta is cumulative: the totals so far, not an increment.
        var delta: [(String, MockJSON)] = [
            ("type", "message_delta"),
            ("delta", .object([("stop_reason", .string(stopReason)), ("stop_sequence", stopSequence.json)]
                              + (containerObject.map { [("container", $0)] } ?? []))),
        ]
        if usageFault != "missing" { delta.append(("usage", usage(outputTokens: outputTokens, full: false))) }
        if container != nil { delta.append(("context_management", Self.contextManagement)) }
        frames.append(Self.frame("message_delta", .object(delta)))
        frames.append(Self.frame("message_stop", .object([("type", "message_stop")])))
        return frames
    }

    static func chunks(_ text: String, size: Int) -> [String] {
        var result: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if current.count == size {
                result.append(current)
                current = ""
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}
