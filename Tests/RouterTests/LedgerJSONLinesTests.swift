import Foundation
import Router
import Testing

@Suite("JSON lines ledger")
struct LedgerJSONLinesTests {
    private func writeThree(_ path: String) async throws -> [LedgerRecord] {
        let ledger = try JSONLinesLedger(path: path)
        let records = (1...3).map { fullRecord(id: "r\($0)", time: utc("2026-03-01T10:00:0\($0)Z")) }
        for record in records { try await ledger.record(record) }
        try await ledger.close()
        return records
    }

    private func append(_ text: String, to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test("one JSON object per line, money as integer picodollars")
    func fileFormat() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("l.jsonl")
        _ = try await writeThree(path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(text.hasSuffix("\n"))
        #expect(lines[0].contains("\"baselineCost\":1234"))
        #expect(lines[0].contains("\"id\":\"r1\""))
    }

    @Test("a torn final line is ignored on read and cut off before the next append")
    func tornFinalLine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("torn.jsonl")
        let records = try await writeThree(path)
        try append("{\"id\":\"torn\",\"requestID\":\"req", to: path)

        #expect(try JSONLinesLedger.readAll(path: path) == records)

        let reopened = try JSONLinesLedger(path: path)
        #expect(try await reopened.records(.all) == records)
        let fourth = fullRecord(id: "r4", time: utc("2026-03-01T10:00:04Z"))
        try await reopened.record(fourth)
        try await reopened.close()
        #expect(try JSONLinesLedger.readAll(path: path) == records + [fourth])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("torn"))
    }

    @Test("lines are split on newline bytes exactly as split(omittingEmptySubsequences: false), on slices too")
    func lineRanges() {
        let texts = ["", "\n", "\n\n", "a", "a\n", "a\nb", "a\n\nb\n", "{\"x\":1}\r\n{\"y\":2}\r\n", "\n\na\n\n",
                     String(repeating: "x", count: 5000) + "\n" + String(repeating: "y", count: 3)]
        for text in texts {
            let data = Data(text.utf8)
            let expected = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
            #expect(JSONLinesLedger.lineRanges(data).map { Array(data[$0]) } == expected, "\(text.debugDescription)")
            // A slice whose indices do not start at 0.
            let padded = Data("zz".utf8) + data
            let slice = padded[2...]
            #expect(JSONLinesLedger.lineRanges(slice).map { Array(slice[$0]) } == expected, "slice of \(text.debugDescription)")
        }
    }

    @Test("blank lines between records are skipped; line numbers of later errors still count them")
    func blankLines() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("ledger.jsonl")
        let records = try await writeThree(path)
        try append("\n  \n\r\n", to: path)
        #expect(try JSONLinesLedger.readAll(path: path) == records)
        try append("not json\n", to: path)
        let error = #expect(throws: LedgerError.self) { try JSONLinesLedger.readAll(path: path) }
        #expect(error?.line == 7, "three records, three blank lines, then the bad one")
    }

    @Test("a corrupt line in the middle is an error naming file:line")
    func corruptMiddleLine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("corrupt.jsonl")
        _ = try await writeThree(path)
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[1] = "{\"id\": \"r2\", \"oops\": tru"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)

        let error = #expect(throws: LedgerError.self) { try JSONLinesLedger.readAll(path: path) }
        #expect(error?.code == .corruptRecord)
        #expect(error?.file == path)
        #expect(error?.line == 2)
        #expect(error?.description.hasPrefix("\(path):2: ") == true)

        let ledger = try JSONLinesLedger(path: path)
        let viaLedger = await #expect(throws: LedgerError.self) { try await ledger.records(.all) }
        #expect(viaLedger?.line == 2)
        try await ledger.close()
    }

    @Test("a decodable line missing a field is reported with its line")
    func missingFieldReported() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("missing.jsonl")
        _ = try await writeThree(path)
        try append("{\"id\":\"x\"}\n", to: path)
        let firstLine = try #require(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").first)
        try append(firstLine + "\n", to: path) // so the bad line is not the last one
        let error = #expect(throws: LedgerError.self) { try JSONLinesLedger.readAll(path: path) }
        #expect(error?.line == 4)
        #expect(error?.message.contains("missing field") == true)
    }

    @Test("batched mode writes nothing until the batch is full, and close writes the rest")
    func batched() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("batched.jsonl")
        let ledger = try JSONLinesLedger(path: path, durability: .batched(maxRecords: 2, maxDelay: .seconds(3600)))
        try await ledger.record(fullRecord(id: "1"))
        #expect(try JSONLinesLedger.readAll(path: path).isEmpty)
        try await ledger.record(fullRecord(id: "2"))
        #expect(try JSONLinesLedger.readAll(path: path).count == 2)
        try await ledger.record(fullRecord(id: "3"))
        try await ledger.close()
        #expect(try JSONLinesLedger.readAll(path: path).map(\.id) == ["1", "2", "3"])
    }
}
