/// A decimal number held exactly as `significand / 10^fractionDigits` (e.g. `1.1` = 11 / 10).
///
/// Used for multipliers and discounts read from YAML, so that money scaled by them stays exact.
package struct ExactDecimal: Sendable, Hashable, CustomStringConvertible {
    /// The digits as an integer, with the sign.
    package var significand: Int64
    /// How many of the digits are decimals (0…18).
    package var fractionDigits: Int

    /// Creates `significand / 10^fractionDigits`.
    package init(significand: Int64, fractionDigits: Int) {
        self.significand = significand
        self.fractionDigits = fractionDigits
    }

    /// Parses `[-+]?digits[.digits]` exactly (no exponent, NaN or infinity); nil otherwise.
    package init?(_ text: String) {
        var body = Substring(text)
        var negative = false
        if let sign = body.first, sign == "-" || sign == "+" { negative = sign == "-"; body = body.dropFirst() }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        let isDigits: (Substring) -> Bool = { $0.unicodeScalars.allSatisfy { ("0"..."9").contains($0) } }
        guard !(whole.isEmpty && fraction.isEmpty), isDigits(whole), isDigits(fraction),
              fraction.count <= 18, let value = Int64(whole + fraction == "" ? "0" : whole + fraction) else {
            return nil
        }
        significand = negative ? -value : value
        fractionDigits = fraction.count
    }

    /// `10^fractionDigits`.
    package var denominator: Int64 {
        var result: Int64 = 1
        for _ in 0..<fractionDigits { result *= 10 }
        return result
    }

    /// Whether the value is below zero.
    package var isNegative: Bool { significand < 0 }

    /// The value as a `Double` (display only).
    package var doubleValue: Double { Double(significand) / Double(denominator) }

    /// The decimal text, e.g. `1.1`.
    package var description: String {
        guard fractionDigits > 0 else { return String(significand) }
        let digits = String(significand.magnitude)
        let padded = String(repeating: "0", count: max(0, fractionDigits + 1 - digits.count)) + digits
        let split = padded.index(padded.endIndex, offsetBy: -fractionDigits)
        return (isNegative ? "-" : "") + padded[..<split] + "." + padded[split...]
    }
}
