extension PriceBook {
    /// Prices of zero in the book, one line each (`claude-x@2026-01-01: input is $0 per MTok`).
    ///
    /// Zero is a valid price, but almost always a typo or a placeholder: every call on that model
    /// would be recorded and budgeted as free. The CLI prints these as warnings.
    public var zeroPriceWarnings: [String] {
        var warnings: [String] = []
        for id in models.keys.sorted() {
            for price in models[id]?.prices ?? [] {
                let rates = price.rates
                let zero = [("input", rates.input), ("output", rates.output)].filter { $0.1 == .zero }.map(\.0)
                if !zero.isEmpty {
                    warnings.append("\(price.priceID): \(zero.joined(separator: " and ")) price is $0: "
                        + "calls on this model will be recorded as free")
                }
            }
        }
        return warnings
    }
}
