import Foundation
import RouterPolicies

/// Loading the files commands share, with every failure mapped to a `CLIError`.
enum Inputs {
    /// Loads a policy file; diagnostics become exit 65. `-` or `default` is the bundled policy.
    static func policy(_ path: String) throws -> Policy {
        do {
            if path == "default" && !FileManager.default.fileExists(atPath: path) {
                return try BundledPolicies.defaultPolicy()
            }
            guard FileManager.default.fileExists(atPath: path) else {
                throw CLIError.data("error: policy file '\(path)' does not exist")
            }
            return try Policy.load(file: path)
        } catch let error as PolicyError {
            throw CLIError.data(error.description)
        }
    }

    /// The price book: `--prices` if given, else the policy's `prices:` file, else the bundled one.
    static func prices(explicit path: String?, policy: Policy? = nil) throws -> PriceBook {
        guard let path = path ?? policy?.pricesFile else { return PriceBook.bundledDefault }
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError.data("error: price file '\(path)' does not exist")
        }
        let book: PriceBook
        do {
            book = try PriceBook.load(file: path)
        } catch {
            throw CLIError.data(error.description)
        }
        for warning in book.zeroPriceWarnings { Terminal.writeError("\(path): warning: \(warning)") }
        return book
    }

    /// What `-` stands for in messages (`<stdin>:3: error: …`).
    static let stdinLabel = "<stdin>"

    /// `path` as messages name it: `<stdin>` for `-`.
    static func label(_ path: String) -> String { path == "-" ? stdinLabel : path }

    /// All of standard input as UTF-8 text (at most the fixture size limit), or exit 65.
    static func standardInput() throws -> String {
        var data = Data()
        while let chunk = try? FileHandle.standardInput.read(upToCount: 1 << 16), !chunk.isEmpty {
            data.append(chunk)
            if data.count > SourceText.fixtureByteLimit {
                throw CLIError.data("error: \(stdinLabel): more than \(SourceText.fixtureByteLimit) bytes")
            }
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError.data("error: \(stdinLabel): not UTF-8 text")
        }
        return text
    }

    /// A whole text file (`-`: standard input), or a clear exit-65 error naming it.
    static func text(of path: String) throws -> String {
        if path == "-" { return try standardInput() }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw CLIError.data("error: cannot read '\(path)'")
        }
        do {
            return try SourceText.read(file: path, what: "file", limit: SourceText.fixtureByteLimit)
        } catch {
            throw CLIError.data(error.description)
        }
    }

    /// `key=value` pairs from repeated `--metadata` options.
    static func metadata(_ pairs: [String]) throws -> [String: String] {
        var result: [String: String] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw CLIError.usage("--metadata expects KEY=VALUE, got '\(pair)'")
            }
            result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        return result
    }
}
