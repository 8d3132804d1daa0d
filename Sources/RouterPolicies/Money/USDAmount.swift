/// An exact amount of US dollars, held as an integer count of picodollars (1e-12 USD).
///
/// Prices are quoted per million tokens with up to six decimals, so a price per token is a
/// whole number of picodollars, and so are the 1.1x regional multiplier and the 50% batch
/// discount applied to it. Sums never drift the way accumulated `Double`s do.
/// The range is ±9.2 million dollars; arithmetic traps on overflow rather than wrapping.
public struct USDAmount: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Picodollars: 1 USD = 1_000_000_000_000.
    public var picodollars: Int64

    public static let zero = USDAmount(picodollars: 0)
    public static let picodollarsPerDollar: Int64 = 1_000_000_000_000

    public init(picodollars: Int64) { self.picodollars = picodollars }

    /// Parses a decimal dollar string such as `"3"`, `"0.125"` or `"-1.5"` exactly.
    /// Returns `nil` for anything else (exponents, more than 12 decimals, NaN, overflow).
    public init?(dollars text: String) {
        var digits = Substring(text.trimmingWhitespace())
        var negative = false
        if digits.first == "-" { negative = true; digits = digits.dropFirst() }
        else if digits.first == "+" { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !(whole.isEmpty && parts.count == 1) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard whole.allSatisfy(\.isASCIIDigit), fraction.allSatisfy(\.isASCIIDigit),
              !(whole.isEmpty && fraction.isEmpty), fraction.count <= 12 else { return nil }
        let padded = fraction + String(repeating: "0", count: 12 - fraction.count)
        guard let wholeValue = Int64(whole.isEmpty ? "0" : whole),
              let fractionValue = Int64(padded) else { return nil }
        let (scaled, overflow1) = wholeValue.multipliedReportingOverflow(by: Self.picodollarsPerDollar)
        let (total, overflow2) = scaled.addingReportingOverflow(fractionValue)
        guard !overflow1, !overflow2 else { return nil }
        self.picodollars = negative ? -total : total
    }

    /// The amount in dollars as a `Double`, for display and statistics only.
    public var dollars: Double { Double(picodollars) / Double(Self.picodollarsPerDollar) }

    /// Exact decimal rendering with all significant digits, e.g. `0.000123` (no `$`).
    public var exactDecimal: String {
        let sign = picodollars < 0 ? "-" : ""
        let magnitude = picodollars.magnitude
        let whole = magnitude / UInt64(Self.picodollarsPerDollar)
        var fraction = String(magnitude % UInt64(Self.picodollarsPerDollar))
        fraction = String(repeating: "0", count: 12 - fraction.count) + fraction
        while fraction.last == "0" { fraction.removeLast() }
        return fraction.isEmpty ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
    }

    /// `$1.234567`: rounded half away from zero to `decimals` places (default 6).
    public func formatted(decimals: Int = 6) -> String {
        precondition((0...12).contains(decimals))
        var divisor: Int64 = 1
        for _ in 0..<(12 - decimals) { divisor *= 10 }
        let magnitude = picodollars.magnitude
        let rounded = (magnitude + UInt64(divisor / 2)) / UInt64(divisor)
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let whole = rounded / scale
        let fraction = String(rounded % scale)
        let sign = picodollars < 0 && rounded != 0 ? "-" : ""
        if decimals == 0 { return "\(sign)$\(whole)" }
        return "\(sign)$\(whole).\(String(repeating: "0", count: decimals - fraction.count))\(fraction)"
    }

    public var description: String { formatted() }

    public static func < (lhs: USDAmount, rhs: USDAmount) -> Bool { lhs.picodollars < rhs.picodollars }
    public static func + (lhs: USDAmount, rhs: USDAmount) -> USDAmount { USDAmount(picodollars: lhs.picodollars + rhs.picodollars) }
    public static func - (lhs: USDAmount, rhs: USDAmount) -> USDAmount { USDAmount(picodollars: lhs.picodollars - rhs.picodollars) }
    public static func += (lhs: inout USDAmount, rhs: USDAmount) { lhs.picodollars += rhs.picodollars }
    public static func -= (lhs: inout USDAmount, rhs: USDAmount) { lhs.picodollars -= rhs.picodollars }

    /// Price per token times a token count.
    public static func * (lhs: USDAmount, rhs: Int) -> USDAmount { USDAmount(picodollars: lhs.picodollars * Int64(rhs)) }

    /// Multiplies by the rational `numerator / denominator`, rounding half away from zero.
    /// Exact whenever the result is a whole number of picodollars (1.1x geo, 0.5x batch).
    public func scaled(by numerator: Int64, over denominator: Int64) -> USDAmount {
        precondition(denominator > 0)
        let product = picodollars * numerator
        let half = denominator / 2
        let rounded = product >= 0 ? (product + half) / denominator : (product - half) / denominator
        return USDAmount(picodollars: rounded)
    }

    /// Encoded as the exact picodollar integer, so JSON and SQLite round-trip losslessly.
    public init(from decoder: any Decoder) throws {
        picodollars = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(picodollars)
    }
}

extension Sequence where Element == USDAmount {
    /// The exact sum.
    public func sum() -> USDAmount { reduce(.zero, +) }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
