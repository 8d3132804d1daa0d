/// A strict well-formedness checker for the HTML we generate: every element closed in order
/// (void elements excepted), attribute values quoted, no bare `<` or `&` in text.
enum TagBalance {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let voidElements: Set<String> = ["meta", "br", "hr", "img", "input", "link"]

    static func check(_ html: String) throws {
        let chars = Array(html.unicodeScalars)
        var stack: [String] = []
        var i = 0
        func fail(_ message: String) -> Failure { Failure(description: "\(message) at scalar \(i)") }
        while i < chars.count {
            let c = chars[i]
            if c == "&" {
                var j = i + 1
                while j < chars.count, j - i < 10, chars[j] != ";" { j += 1 }
                guard j < chars.count, chars[j] == ";", j > i + 1 else { throw fail("bare '&'") }
                i = j + 1
                continue
            }
            guard c == "<" else { i += 1; continue }
            if html.unicodeScalars.dropFirst(i).starts(with: "<!DOCTYPE".unicodeScalars) {
                while i < chars.count, chars[i] != ">" { i += 1 }
                i += 1
                continue
            }
            var j = i + 1
            let closing = j < chars.count && chars[j] == "/"
            if closing { j += 1 }
            var name = ""
            while j < chars.count, chars[j].properties.isAlphabetic || ("0"..."9").contains(chars[j]) {
                name.unicodeScalars.append(chars[j]); j += 1
            }
            guard !name.isEmpty else { throw fail("bare '<'") }
            // Attributes: name="value" pairs, quoted values without '<'.
            var selfClosing = false
            while j < chars.count, chars[j] != ">" {
                if chars[j] == "\"" {
                    j += 1
                    while j < chars.count, chars[j] != "\"" {
                        if chars[j] == "<" { throw fail("'<' inside an attribute value") }
                        j += 1
                    }
                    guard j < chars.count else { throw fail("unterminated attribute value") }
                } else if chars[j] == "/" {
                    selfClosing = true
                } else if chars[j] == "<" {
                    throw fail("'<' inside a tag")
                }
                j += 1
            }
            guard j < chars.count else { throw fail("unterminated tag <\(name)") }
            let lower = name.lowercased()
            if closing {
                guard stack.last == lower else { throw fail("</\(lower)> closes <\(stack.last ?? "nothing")>") }
                stack.removeLast()
            } else if !selfClosing && !voidElements.contains(lower) {
                stack.append(lower)
                if lower == "style" || lower == "title" {
                    // Raw text: skip to the closing tag.
                    guard let end = html.unicodeScalars.indices(of: "</\(lower)>", from: j + 1) else { throw fail("unclosed <\(lower)>") }
                    j = end - 1
                }
            }
            i = j + 1
        }
        guard stack.isEmpty else { throw Failure(description: "unclosed elements: \(stack)") }
    }
}

extension String.UnicodeScalarView {
    func indices(of needle: String, from start: Int) -> Int? {
        let hay = Array(self), pattern = Array(needle.unicodeScalars)
        guard pattern.count <= hay.count else { return nil }
        var k = start
        while k + pattern.count <= hay.count {
            if Array(hay[k..<(k + pattern.count)]) == pattern { return k }
            k += 1
        }
        return nil
    }
}
