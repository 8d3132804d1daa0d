import Foundation
import Testing

@testable import Router

/// Ledger record and reservation ids from `RecordID`: UUID-shaped and never repeated.
@Suite("Record ids")
struct RecordIDTests {
    @Test("an id is a version-8 RFC 9562 UUID string that Foundation parses back")
    func shape() throws {
        let id = RecordID.next()
        #expect(id.count == 36)
        let parsed = try #require(UUID(uuidString: id))
        #expect(parsed.uuidString == id)
        let bytes = withUnsafeBytes(of: parsed.uuid) { Array($0) }
        #expect(bytes[6] >> 4 == 8)
        #expect(bytes[8] >> 6 == 0b10)
    }

    @Test("100,000 ids from 8 concurrent tasks are all distinct, and share this process's prefix")
    func unique() async {
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 { group.addTask { (0..<12_500).map { _ in RecordID.next() } } }
            var all: [String] = []
            for await chunk in group { all += chunk }
            return all
        }
        #expect(ids.count == 100_000)
        #expect(Set(ids).count == 100_000)
        #expect(Set(ids.map { $0.prefix(18) }).count == 1)
    }

    @Test("the halves are written in upper-case hex, dashes at 8-4-4-4-12")
    func format() {
        #expect(RecordID.format(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210) == "01234567-89AB-CDEF-FEDC-BA9876543210")
        #expect(RecordID.format(high: 0, low: 0) == "00000000-0000-0000-0000-000000000000")
    }
}
