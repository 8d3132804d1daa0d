import Foundation

/// A direct reader for the sidecar's JSON, used before `JSONDecoder`.
///
/// Why not only `JSONDecoder`: a sidecar holds about 20,000 numbers and strings, and decoding it
/// through `Codable` took 8–9 ms of every process start (measured with `DecisionBench startup`;
/// README, "Bulk paths") — more than the rest of loading a policy — which a CLI run such as
/// `explain --jsonl` pays before its first decision, and a gateway on each policy reload. This
/// reader knows the model's fields and reads their values straight from the bytes.
///
/// It accepts any JSON layout, not only `encodedJSON()`'s, but returns `nil` (and `decode` falls
/// back to `JSONDecoder`, which then also words the error) for anything outside what it mirrors:
/// an unknown or repeated key, a number it does not read exactly as `JSONDecoder` would (an
/// integer with a fraction or exponent, a float beyond `Float`'s range), malformed JSON. Floats
/// are correctly rounded, like Swift's own parsing: short decimals by Clinger's fast path, the
/// rest by the C library's `strtof`. Property tests hold it equal to `JSONDecoder` on generated
/// models and generated decimals.
enum DifficultyModelReader {
    /// The model in `bytes`, or `nil` when `JSONDecoder` should decide.
    static func read(_ bytes: [UInt8]) -> DifficultyModel? {
        // A NUL after the text lets `strtof` stop by itself at the end.
        var text = bytes
        text.append(0)
        return text.withUnsafeBufferPointer { buffer in
            var reader = Cursor(bytes: buffer, end: bytes.count)
            return reader.model()
        }
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        /// The JSON text's length (`bytes` holds one more byte, a NUL).
        let end: Int
        var at = 0

        init(bytes: UnsafeBufferPointer<UInt8>, end: Int) {
            self.bytes = bytes
            self.end = end
        }

        mutating func model() -> DifficultyModel? {
            var format: String?, version: Int?, bucketBits: Int?, tiers: [String]?
            var weakTier: String?, strongTier: String?, denseFeatures: [String]?, bias: [Float]?
            var denseWeights: [[Float]]?, ngramBuckets: [UInt32]?, ngramTexts: [String]?
            var ngramWeights: [[Float]]?, training: [String: String]?, window: DifficultyFeatures.NGramWindow?
            var seen = Set<String>()
            guard consume(UInt8(ascii: "{")) else { return nil }
            if !consume(UInt8(ascii: "}")) {
                repeat {
                    guard let key = string(), consume(UInt8(ascii: ":")), seen.insert(key).inserted else { return nil }
                    // Each value must be read; `nil` hands the text to `JSONDecoder`.
                    switch key {
                    case "format": guard let value = string() else { return nil }; format = value
                    case "version": guard let value = integer() else { return nil }; version = value
                    case "bucket_bits": guard let value = integer() else { return nil }; bucketBits = value
                    case "tiers": guard let value = array({ $0.string() }) else { return nil }; tiers = value
                    case "weak_tier": guard let value = string() else { return nil }; weakTier = value
                    case "strong_tier": guard let value = string() else { return nil }; strongTier = value
                    case "dense_features":
                        guard let value = array({ $0.string() }) else { return nil }
                        denseFeatures = value
                    case "bias": guard let value = array({ $0.float() }) else { return nil }; bias = value
                    case "dense_weights":
                        guard let value = array({ $0.array { $0.float() } }) else { return nil }
                        denseWeights = value
                    case "ngram_buckets":
                        guard let value = array({ $0.integer().flatMap { UInt32(exactly: $0) } }) else { return nil }
                        ngramBuckets = value
                    case "ngram_texts": guard let value = array({ $0.string() }) else { return nil }; ngramTexts = value
                    case "ngram_weights":
                        guard let value = array({ $0.array { $0.float() } }) else { return nil }
                        ngramWeights = value
                    case "training": guard let value = stringMap() else { return nil }; training = value
                    case "ngram_window":
                        if consumeNull() { break }
                        guard let value = ngramWindow() else { return nil }
                        window = value
                    default: return nil
                    }
                } while consume(UInt8(ascii: ","))
                guard consume(UInt8(ascii: "}")) else { return nil }
            }
            skipSpace()
            guard at == end, let format, let version, let bucketBits, let tiers, let weakTier, let strongTier,
                  let denseFeatures, let bias, let denseWeights, let ngramBuckets, let ngramTexts, let ngramWeights,
                  let training else { return nil }
            var model = DifficultyModel(bucketBits: bucketBits, tiers: tiers, weakTier: weakTier, strongTier: strongTier,
                                        denseFeatures: denseFeatures, bias: bias, denseWeights: denseWeights,
                                        ngramBuckets: ngramBuckets, ngramTexts: ngramTexts, ngramWeights: ngramWeights,
                                        training: training, ngramWindow: window)
            model.format = format
            model.version = version
            return model
        }

        private mutating func ngramWindow() -> DifficultyFeatures.NGramWindow? {
            var head: Int?, tail: Int?
            guard consume(UInt8(ascii: "{")) else { return nil }
            if !consume(UInt8(ascii: "}")) {
                repeat {
                    guard let key = string(), consume(UInt8(ascii: ":")) else { return nil }
                    switch key {
                    case "head" where head == nil: head = integer(); if head == nil { return nil }
                    case "tail" where tail == nil: tail = integer(); if tail == nil { return nil }
                    default: return nil
                    }
                } while consume(UInt8(ascii: ","))
                guard consume(UInt8(ascii: "}")) else { return nil }
            }
            guard let head, let tail else { return nil }
            return DifficultyFeatures.NGramWindow(head: head, tail: tail)
        }

        private mutating func stringMap() -> [String: String]? {
            var map: [String: String] = [:]
            guard consume(UInt8(ascii: "{")) else { return nil }
            if consume(UInt8(ascii: "}")) { return map }
            repeat {
                guard let key = string(), consume(UInt8(ascii: ":")), let value = string(),
                      map.updateValue(value, forKey: key) == nil else { return nil }
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "}")) ? map : nil
        }

        private mutating func array<Element>(_ element: (inout Cursor) -> Element?) -> [Element]? {
            guard consume(UInt8(ascii: "[")) else { return nil }
            var result: [Element] = []
            if consume(UInt8(ascii: "]")) { return result }
            repeat {
                guard let value = element(&self) else { return nil }
                result.append(value)
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "]")) ? result : nil
        }

        private mutating func skipSpace() {
            while at < end {
                switch bytes[at] {
                case 0x20, 0x0A, 0x0D, 0x09: at += 1
                default: return
                }
            }
        }

        private mutating func consume(_ byte: UInt8) -> Bool {
            skipSpace()
            guard at < end, bytes[at] == byte else { return false }
            at += 1
            return true
        }

        private mutating func consumeNull() -> Bool {
            skipSpace()
            guard end - at >= 4, bytes[at] == UInt8(ascii: "n"), bytes[at + 1] == UInt8(ascii: "u"),
                  bytes[at + 2] == UInt8(ascii: "l"), bytes[at + 3] == UInt8(ascii: "l") else { return false }
            at += 4
            return true
        }

        /// A JSON integer: `-?(0|[1-9][0-9]*)`, not followed by a fraction or exponent.
        private mutating func integer() -> Int? {
            skipSpace()
            var index = at
            let negative = index < end && bytes[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            let first = index
            var value = 0
            while index < end, bytes[index] &- 48 < 10 {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int(bytes[index] &- 48))
                guard !overflow1, !overflow2 else { return nil }
                value = sum
                index += 1
            }
            guard index > first, !(bytes[first] == UInt8(ascii: "0") && index - first > 1) else { return nil }
            if index < end, bytes[index] == UInt8(ascii: ".") || bytes[index] | 0x20 == UInt8(ascii: "e") { return nil }
            at = index
            return negative ? -value : value
        }

        /// A JSON number as the nearest `Float`, after checking the JSON grammar (`strtof` alone
        /// also takes hex, `inf`, a leading `+` …); `nil` beyond `Float`'s range.
        ///
        /// Most of a sidecar's numbers are short decimals (`-0.1721`): those take Clinger's fast
        /// path (W. D. Clinger, "How to Read Floating Point Numbers Accurately", PLDI 1990) — a
        /// mantissa of at most 2²⁴ and a power of ten up to 10¹⁰ are both exact `Float`s, so one
        /// multiplication or division rounds once, correctly, to what `strtof` returns. The
        /// rest go to `strtof`, which was 45% of reading the bundled sidecar when it read every
        /// number; every process start pays that read (`DecisionBench startup`).
        private mutating func float() -> Float? {
            skipSpace()
            let start = at
            var index = at
            var negative = false
            if index < end, bytes[index] == UInt8(ascii: "-") {
                negative = true
                index += 1
            }
            // The decimal digits as an integer while it stays exact (`exact`), and the power of
            // ten to scale it by.
            var mantissa: UInt32 = 0
            var exact = true
            var scale = 0
            let digits = index
            while index < end, bytes[index] &- 48 < 10 {
                accumulate(bytes[index] &- 48, into: &mantissa, exact: &exact)
                index += 1
            }
            guard index > digits, !(bytes[digits] == UInt8(ascii: "0") && index - digits > 1) else { return nil }
            if index < end, bytes[index] == UInt8(ascii: ".") {
                index += 1
                let fraction = index
                while index < end, bytes[index] &- 48 < 10 {
                    accumulate(bytes[index] &- 48, into: &mantissa, exact: &exact)
                    index += 1
                }
                guard index > fraction else { return nil }
                scale = fraction - index
            }
            if index < end, bytes[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                var exponentNegative = false
                if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    exponentNegative = bytes[index] == UInt8(ascii: "-")
                    index += 1
                }
                let exponentStart = index
                var exponent = 0
                while index < end, bytes[index] &- 48 < 10 {
                    if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[index] &- 48) }
                    index += 1
                }
                guard index > exponentStart else { return nil }
                scale += exponentNegative ? -exponent : exponent
            }
            if exact, (-10...10).contains(scale) {
                at = index
                let magnitude = scale < 0 ? Float(mantissa) / Self.powersOfTen[-scale]
                                          : Float(mantissa) * Self.powersOfTen[scale]
                return negative ? -magnitude : magnitude
            }
            guard let base = bytes.baseAddress else { return nil }
            // Reading stops at the first byte after the number (the scan above found it).
            var stop: UnsafeMutablePointer<CChar>?
            let value = base.withMemoryRebound(to: CChar.self, capacity: end + 1) { chars in
                strtof(chars + start, &stop)
            }
            guard value.isFinite, let stop,
                  stop == UnsafeMutableRawPointer(mutating: base + index).assumingMemoryBound(to: CChar.self) else {
                return nil
            }
            at = index
            return value
        }

        /// 10⁰ … 10¹⁰, each exact in `Float` (5¹⁰ < 2²⁴).
        private static let powersOfTen: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]

        /// Appends a decimal digit to `mantissa` while it stays at most 2²⁴ (every such integer
        /// is an exact `Float`); past that, clears `exact`.
        @inline(__always)
        private func accumulate(_ digit: UInt8, into mantissa: inout UInt32, exact: inout Bool) {
            guard exact else { return }
            let next = mantissa &* 10 &+ UInt32(digit)
            if mantissa > 1_677_721 || next > 1 << 24 { exact = false } else { mantissa = next }
        }

        /// A JSON string with its escapes; `nil` on a control character, a bad escape or a lone
        /// surrogate.
        private mutating func string() -> String? {
            guard consume(UInt8(ascii: "\"")) else { return nil }
            let start = at
            // The plain case: no escape before the closing quote.
            while at < end, bytes[at] != UInt8(ascii: "\""), bytes[at] != UInt8(ascii: "\\") {
                guard bytes[at] >= 0x20 else { return nil }
                at += 1
            }
            guard at < end else { return nil }
            if bytes[at] == UInt8(ascii: "\"") {
                defer { at += 1 }
                return String(validating: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
            }
            var scalars = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<at]))
            while at < end {
                let byte = bytes[at]
                if byte == UInt8(ascii: "\"") {
                    at += 1
                    return String(validating: scalars, as: UTF8.self)
                }
                guard byte >= 0x20 else { return nil }
                guard byte == UInt8(ascii: "\\") else {
                    scalars.append(byte)
                    at += 1
                    continue
                }
                at += 1
                guard at < end else { return nil }
                let escape = bytes[at]
                at += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    guard var code = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(code) {
                        guard end - at >= 2, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                            return nil
                        }
                        at += 2
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { return nil }
                    scalars.append(contentsOf: String(Character(scalar)).utf8)
                default: return nil
                }
            }
            return nil
        }

        private mutating func hex4() -> UInt32? {
            guard end - at >= 4 else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[at] | 0x20
                let digit: UInt8
                if byte &- 48 < 10 { digit = byte &- 48 } else if byte &- 97 < 6 { digit = byte &- 87 } else { return nil }
                value = value << 4 | UInt32(digit)
                at += 1
            }
            return value
        }
    }
}
