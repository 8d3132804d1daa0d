package import RouterPolicies

/// Encodes a USD amount the way every claude-router JSON output does: an exact decimal-dollar
/// string (`"0.000123"`, as `USDAmount.exactDecimal`), never a float and never picodollars.
/// Decoding accepts the same strings.
@propertyWrapper
package struct DecimalDollars: Sendable, Hashable, Codable {
    /// The amount.
    package var wrappedValue: USDAmount

    /// Wraps `wrappedValue`.
    package init(wrappedValue: USDAmount) { self.wrappedValue = wrappedValue }

    /// Decodes a decimal-dollar string.
    /// - Throws: `DecodingError.dataCorrupted` when it is not one.
    package init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let amount = USDAmount(dollars: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a decimal-dollar amount: \(text)"))
        }
        wrappedValue = amount
    }

    /// Encodes the exact decimal string.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue.exactDecimal)
    }
}

/// ``DecimalDollars`` for an amount that may be unknown: `null` when nil (unknown cost is
/// never written as zero).
@propertyWrapper
package struct OptionalDecimalDollars: Sendable, Hashable, Codable {
    /// The amount, nil when unknown.
    package var wrappedValue: USDAmount?

    /// Wraps `wrappedValue`.
    package init(wrappedValue: USDAmount?) { self.wrappedValue = wrappedValue }

    /// Decodes `null` or a decimal-dollar string.
    /// - Throws: `DecodingError.dataCorrupted` for anything else.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            wrappedValue = nil
            return
        }
        wrappedValue = try DecimalDollars(from: decoder).wrappedValue
    }

    /// Encodes `null` or the exact decimal string.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue.exactDecimal) } else { try container.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A missing key decodes as an unknown amount.
    package func decode(_ type: OptionalDecimalDollars.Type, forKey key: Key) throws -> OptionalDecimalDollars {
        try decodeIfPresent(type, forKey: key) ?? OptionalDecimalDollars(wrappedValue: nil)
    }
}

extension KeyedEncodingContainer {
    /// An unknown amount is written as `null`, so a reader sees the field is unknown, not absent.
    package mutating func encode(_ value: OptionalDecimalDollars, forKey key: Key) throws {
        if let amount = value.wrappedValue { try encode(amount.exactDecimal, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
