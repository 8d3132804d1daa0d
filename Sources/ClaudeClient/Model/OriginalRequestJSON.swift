import Foundation

/// A caller's JSON request body kept byte for byte, so a gateway forwards fields and values this
/// client does not model (newer API parameters, unknown members of known objects, number
/// spellings) unchanged instead of dropping them when re-encoding through `Codable`.
///
/// Only the members a router or the client sets are rewritten, in place: top-level `model`,
/// `max_tokens` and `stream` (``spliced(model:maxTokens:stream:)``). Everything else, key order
/// and whitespace included, stays the caller's.
public struct OriginalRequestJSON: Sendable, Hashable {
    /// The body's bytes (UTF-8 JSON, one object).
    public let bytes: [UInt8]

    /// Keeps `bytes`. They must already have decoded as the request they travel with (the
    /// splice assumes valid JSON with an object at the top).
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The top-level members whose names are not in `excluded`, each name mapped to its value's
    /// JSON text exactly as sent (whitespace and number spellings kept); a repeated name keeps
    /// its last value, as JSON parsers read it. A response cache keys on this so parameters this
    /// client does not model (`output_format`, `mcp_servers`, newer ones) still tell two
    /// requests apart.
    /// - Returns: `nil` when the bytes are not a JSON object.
    public func topLevelValues(excluding excluded: Set<String>) -> [String: String]? {
        guard let members = Self.topLevelMembers(bytes) else { return nil }
        var values: [String: String] = [:]
        for member in members where !excluded.contains(member.key) {
            values[member.key] = String(decoding: bytes[member.value], as: UTF8.self)
        }
        return values
    }

    /// The body with top-level `model` and `max_tokens` set to these values and `stream` set to
    /// `true` (added when absent) or, for `nil`/`false`, removed. A member whose value already
    /// reads the same is left as sent. Every occurrence of a repeated key is rewritten.
    /// - Returns: `nil` when the bytes are not a JSON object (the caller then encodes instead).
    public func spliced(model: String, maxTokens: Int, stream: Bool?) -> [UInt8]? {
        guard let members = Self.topLevelMembers(bytes) else { return nil }
        let modelJSON = Self.jsonString(model)
        let maxTokensJSON = Array(String(maxTokens).utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + modelJSON.count + 16)
        var cursor = 0
        var sawStream = false
        for member in members {
            let replacement: [UInt8]?
            switch member.key {
            case "model": replacement = modelJSON
            case "max_tokens": replacement = maxTokensJSON
            case "stream":
                sawStream = true
                if stream == true {
                    replacement = Array("true".utf8)
                } else {
                    // Remove the member with one separating comma.
                    output.append(contentsOf: bytes[cursor..<max(cursor, member.removalRange.lowerBound)])
                    cursor = max(cursor, member.removalRange.upperBound)
                    continue
                }
            default: replacement = nil
            }
            guard let replacement, !bytes[member.value].elementsEqual(replacement) else { continue }
            output.append(contentsOf: bytes[cursor..<member.value.lowerBound])
            output.append(contentsOf: replacement)
            cursor = member.value.upperBound
        }
        output.append(contentsOf: bytes[cursor...])
        if stream == true, !sawStream, let open = output.firstIndex(of: UInt8(ascii: "{")) {
            output.insert(contentsOf: Array("\"stream\":true,".utf8), at: open + 1)
        }
        return output
    }

    /// One top-level member: its key (unescaped only when it has no escapes), the byte range of
    /// its value, and the range to drop to remove it (the member plus one adjacent comma).
    struct Member {
        var key: String
        var value: Range<Int>
        var removalRange: Range<Int>
    }

    /// The top-level members of a JSON object, or `nil` when `bytes` do not start with one.
    static func topLevelMembers(_ bytes: [UInt8]) -> [Member]? {
        members(bytes, objectAt: skipSpace(bytes, 0))
    }

    /// The members of the JSON object that starts at `start`, or `nil` when none starts there.
    static func members(_ bytes: [UInt8], objectAt start: Int) -> [Member]? {
        var index = start
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        var members: [Member] = []
        var previousEnd: Int?  // end of the previous member's value
        while true {
            index = skipSpace(bytes, index)
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "}") { break }
            if bytes[index] == UInt8(ascii: ",") { index = skipSpace(bytes, index + 1) }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            let keyStart = index
            guard let keyEnd = skipString(bytes, index) else { return nil }
            let key = String(decoding: bytes[(keyStart + 1)..<(keyEnd - 1)], as: UTF8.self)
            index = skipSpace(bytes, keyEnd)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
            let valueStart = skipSpace(bytes, index + 1)
            guard let valueEnd = skipValue(bytes, valueStart) else { return nil }
            // Drop the comma before the member, or (for the first one) the comma after it.
            var removal = keyStart..<valueEnd
            if let previousEnd {
                removal = previousEnd..<valueEnd
            } else {
                let after = skipSpace(bytes, valueEnd)
                if after < bytes.count, bytes[after] == UInt8(ascii: ",") {
                    removal = keyStart..<skipSpace(bytes, after + 1)
                }
            }
            members.append(Member(key: key, value: valueStart..<valueEnd, removalRange: removal))
            previousEnd = valueEnd
            index = valueEnd
        }
        return members
    }

    static func skipSpace(_ bytes: [UInt8], _ start: Int) -> Int {
        var index = start
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        return index
    }

    /// The index just past the string that starts at `start` (a `"`).
    private static func skipString(_ bytes: [UInt8], _ start: Int) -> Int? {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
        return nil
    }

    /// The index just past the value that starts at `start`.
    static func skipValue(_ bytes: [UInt8], _ start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return skipString(bytes, start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = start
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    guard let end = skipString(bytes, index) else { return nil }
                    index = end
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default: break
                }
                index += 1
            }
            return nil
        default:
            // A number or literal runs to the next separator.
            var index = start
            while index < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D]
                .contains(bytes[index]) {
                index += 1
            }
            return index > start ? index : nil
        }
    }

    /// `value` as a JSON string literal (RFC 8259 escapes).
    static func jsonString(_ value: String) -> [UInt8] {
        var output: [UInt8] = [UInt8(ascii: "\"")]
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: output += Array("\\n".utf8)
            case 0x0D: output += Array("\\r".utf8)
            case 0x09: output += Array("\\t".utf8)
            case 0..<0x20: output += Array(String(format: "\\u%04x", byte).utf8)
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
        return output
    }
}
