import Synchronization

/// Unique ids for ledger records and budget reservations, cheaper than Foundation's `UUID()`
/// (which draws 16 bytes from the system's random source on every call; on a gateway's call
/// path that showed as 1–2% of its CPU in perf profiles).
///
/// An id is an RFC 9562 version-8 UUID string (https://www.rfc-editor.org/rfc/rfc9562#section-5.8),
/// so it keeps the shape of the `UUID().uuidString` ids it replaces (36 characters, upper-case
/// hex): 60 random bits drawn once per process, then a 62-bit counter. Ids of one process differ
/// by their counter; ids of two processes sharing a ledger differ by their random prefixes
/// (two of 10,000 processes colliding has odds of about 4 in 10^11).
enum RecordID {
    private static let prefix: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }()
    private static let counter = Atomic<UInt64>(0)

    /// The next id, e.g. `3F2A9C1B-77D0-8E41-8000-00000000002A`.
    static func next() -> String {
        let count = counter.wrappingAdd(1, ordering: .relaxed).newValue
        // Bits: 48 random, version 8, 12 random, variant 0b10, 62 counter.
        let high = (prefix & 0xFFFF_FFFF_FFFF_0000) | 0x8000 | (prefix >> 4 & 0x0FFF)
        let low = 0x8000_0000_0000_0000 | (count & 0x3FFF_FFFF_FFFF_FFFF)
        return format(high: high, low: low)
    }

    /// `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX` from two 64-bit halves.
    static func format(high: UInt64, low: UInt64) -> String {
        let digits: StaticString = "0123456789ABCDEF"
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            func put(_ value: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    buffer[position] = digits.utf8Start[Int(value >> UInt64(shift) & 0xF)]
                    position += 1
                }
            }
            func dash() {
                buffer[position] = UInt8(ascii: "-")
                position += 1
            }
            put(high >> 32, nibbles: 8)
            dash()
            put(high >> 16 & 0xFFFF, nibbles: 4)
            dash()
            put(high & 0xFFFF, nibbles: 4)
            dash()
            put(low >> 48, nibbles: 4)
            dash()
            put(low & 0xFFFF_FFFF_FFFF, nibbles: 12)
            return position
        }
    }
}
