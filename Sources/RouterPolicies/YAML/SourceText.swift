public import Foundation

/// Reading a policy, price book or fixture file as text: size-capped before it is read, and
/// rejected with the line and column of the first byte that is not UTF-8.
public enum SourceText {
    /// The largest policy or price file read (16 MiB): real ones are a few KB, and a bigger
    /// input is a wrong path (a log, a data dump), parsed whole into memory otherwise.
    public static let policyByteLimit = 16 * 1024 * 1024
    /// The largest fixture file read (64 MiB).
    public static let fixtureByteLimit = 64 * 1024 * 1024

    /// The text of `file`.
    /// - Parameters:
    ///   - what: the kind of file, for messages (`policy file`, `price file`, `fixture file`).
    ///   - limit: the most bytes read; a larger file is refused before it is read.
    /// - Throws: `PolicyError` naming the file: unreadable, over `limit`, or not UTF-8 (with
    ///   `file:line:column` of the first bad byte).
    public static func read(file: String, what: String, limit: Int) throws(PolicyError) -> String {
        if let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int, size > limit {
            throw PolicyError(Diagnostic(
                mark: .wholeFile(file),
                message: "\(what) is \(size) bytes, over the \(limit / (1024 * 1024)) MiB limit: is this the right file?"))
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory)
            let why = !exists ? ": no such file" : isDirectory.boolValue ? ": it is a directory" : ""
            throw PolicyError(Diagnostic(mark: .wholeFile(file), message: "cannot read the \(what)\(why)"))
        }
        if data.count > limit {
            throw PolicyError(Diagnostic(
                mark: .wholeFile(file),
                message: "\(what) is over the \(limit / (1024 * 1024)) MiB limit: is this the right file?"))
        }
        return try decode(data, file: file)
    }

    /// `data` as UTF-8 text.
    /// - Throws: `PolicyError` at `file:line:column` of the first byte that is not UTF-8 (column
    ///   counted in characters, as an editor shows it).
    public static func decode(_ data: Data, file: String) throws(PolicyError) -> String {
        if let text = String(validating: data, as: UTF8.self) { return text }
        let bytes = [UInt8](data)
        let offset = firstInvalidOffset(bytes) ?? 0
        let lineStart = bytes[..<offset].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        let line = bytes[..<offset].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        let column = String(decoding: bytes[lineStart..<offset], as: UTF8.self).count + 1
        let byte = String(bytes[offset], radix: 16, uppercase: true)
        throw PolicyError(Diagnostic(
            mark: SourceMark(file: file, line: line, column: column),
            message: "not UTF-8 text: byte 0x\(byte.count == 1 ? "0" + byte : byte) at offset \(offset) "
                + "(save the file as UTF-8)"))
    }

    /// The offset of the first byte that does not belong to a valid UTF-8 sequence; `nil` when
    /// every byte does.
    public static func firstInvalidOffset(_ bytes: [UInt8]) -> Int? {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}
