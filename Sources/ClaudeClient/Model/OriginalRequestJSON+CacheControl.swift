/// Prompt-caching breakpoints written into a caller's own JSON, so that a gateway can place
/// them without re-encoding the body (which would drop the fields this client does not model).
extension OriginalRequestJSON {
    /// A block of a Messages request that can carry `cache_control`, in the API's cache order.
    public enum BlockLocation: Sendable, Hashable {
        /// `tools[i]`.
        case tool(Int)
        /// `system[i]` (`system[0]` of a string system prompt is the whole string).
        case system(Int)
        /// `messages[i].content[block]` (`content[0]` of a string content is the whole string).
        case message(Int, block: Int)
    }

    /// The body with `control` set on each location, spliced into the caller's bytes: a
    /// `cache_control` member is appended to the block's object (or replaces a `null` one), and
    /// a string `system` or `content` becomes one text block carrying the same string bytes, as
    /// the API treats both forms alike. Every other byte stays the caller's.
    /// - Returns: `nil` when a location is not in the body or is not an object or string
    ///   (the caller then sends the body without the breakpoints).
    public func addingCacheControl(_ control: CacheControl, at locations: [BlockLocation]) -> OriginalRequestJSON? {
        guard !locations.isEmpty else { return self }
        guard let top = Self.topLevelMembers(bytes) else { return nil }
        // Written by hand: the same request must give the same bytes every time (an encoder's
        // key order is not guaranteed), and `type` first reads as the API's own examples.
        var marker = Array(#"{"type":"#.utf8) + Self.jsonString(control.type)
        if let ttl = control.ttl { marker += Array(#","ttl":"#.utf8) + Self.jsonString(ttl.rawValue) }
        marker.append(UInt8(ascii: "}"))
        func value(_ key: String) -> Range<Int>? { top.last { $0.key == key }?.value }
        var edits: [(range: Range<Int>, bytes: [UInt8])] = []
        for location in locations {
            let edit: (range: Range<Int>, bytes: [UInt8])?
            switch location {
            case .tool(let index):
                edit = value("tools").flatMap { Self.element(bytes, of: $0, at: index) }
                    .flatMap { Self.markObject(bytes, at: $0, marker: marker) }
            case .system(let index):
                edit = value("system").flatMap { Self.markBlock(bytes, in: $0, at: index, marker: marker) }
            case .message(let index, let block):
                edit = value("messages").flatMap { Self.element(bytes, of: $0, at: index) }
                    .flatMap { Self.members(bytes, objectAt: $0.lowerBound)?.last { $0.key == "content" }?.value }
                    .flatMap { Self.markBlock(bytes, in: $0, at: block, marker: marker) }
            }
            guard let edit else { return nil }
            edits.append(edit)
        }
        // Applied from the end, so earlier ranges keep their offsets; blocks never overlap.
        var output = bytes
        for edit in edits.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            output.replaceSubrange(edit.range, with: edit.bytes)
        }
        return OriginalRequestJSON(output)
    }

    /// How many non-null `cache_control` members the body holds at any depth: the caller's own
    /// breakpoints, including those on blocks this client does not model, which count toward
    /// the API's limit of four all the same.
    public var cacheControlMarkers: Int {
        var count = 0
        func walk(_ start: Int) {
            guard start < bytes.count else { return }
            if bytes[start] == UInt8(ascii: "{"), let members = Self.members(bytes, objectAt: start) {
                for member in members {
                    if member.key == "cache_control", !bytes[member.value].elementsEqual("null".utf8) { count += 1 }
                    walk(member.value.lowerBound)
                }
            } else if bytes[start] == UInt8(ascii: "["), let elements = Self.elements(bytes, arrayAt: start) {
                elements.forEach { walk($0.lowerBound) }
            }
        }
        walk(Self.skipSpace(bytes, 0))
        return count
    }

    /// The edit that marks block `index` of a `system` or `content` value: a string (index 0)
    /// becomes `[{"type":"text","text":…,"cache_control":…}]`; an array's element is marked.
    static func markBlock(_ bytes: [UInt8], in value: Range<Int>, at index: Int, marker: [UInt8])
        -> (range: Range<Int>, bytes: [UInt8])? {
        guard value.lowerBound < bytes.count else { return nil }
        if bytes[value.lowerBound] == UInt8(ascii: "\"") {
            guard index == 0 else { return nil }
            let block = Array(#"[{"type":"text","text":"#.utf8) + bytes[value] + Array(#","cache_control":"#.utf8)
                + marker + Array("}]".utf8)
            return (value, block)
        }
        return element(bytes, of: value, at: index).flatMap { markObject(bytes, at: $0, marker: marker) }
    }

    /// The edit that sets `cache_control` on the object at `range`: a `null` member's value is
    /// replaced, else a member is appended before the closing brace.
    static func markObject(_ bytes: [UInt8], at range: Range<Int>, marker: [UInt8]) -> (range: Range<Int>, bytes: [UInt8])? {
        guard let members = members(bytes, objectAt: range.lowerBound) else { return nil }
        if let existing = members.last(where: { $0.key == "cache_control" }) {
            // A caller's own non-null marker is never replaced (the planner skips marked blocks).
            guard bytes[existing.value].elementsEqual("null".utf8) else { return nil }
            return (existing.value, marker)
        }
        let close = range.upperBound - 1
        let member = Array(#""cache_control":"#.utf8) + marker
        return (close..<close, members.isEmpty ? member : [UInt8(ascii: ",")] + member)
    }

    /// The range of element `index` of the array value at `range`, or `nil`.
    static func element(_ bytes: [UInt8], of range: Range<Int>, at index: Int) -> Range<Int>? {
        guard let elements = elements(bytes, arrayAt: range.lowerBound), elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// The value ranges of the array that starts at `start`, or `nil` when none starts there.
    static func elements(_ bytes: [UInt8], arrayAt start: Int) -> [Range<Int>]? {
        guard start < bytes.count, bytes[start] == UInt8(ascii: "[") else { return nil }
        var index = skipSpace(bytes, start + 1)
        var elements: [Range<Int>] = []
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "]") { return elements }
            if !elements.isEmpty {
                guard bytes[index] == UInt8(ascii: ",") else { return nil }
                index = skipSpace(bytes, index + 1)
            }
            guard let end = skipValue(bytes, index) else { return nil }
            elements.append(index..<end)
            index = skipSpace(bytes, end)
        }
        return nil
    }
}
