import Foundation

extension Policy {
    /// Reads and decodes a policy file. Every problem in the file is reported at once, each
    /// with `file:line:column`, the offending line and a caret. A relative `prices:` path is
    /// resolved against the file's directory.
    /// A `scorer:` sidecar is read through `scorerResolver` (default: the file system).
    public static func load(file: String,
                            scorerResolver: any ScorerModelResolver = FileSystemScorerResolver()) throws(PolicyError) -> Policy {
        let text = try SourceText.read(file: file, what: "policy file", limit: SourceText.policyByteLimit)
        return try parse(yaml: text, file: file, scorerResolver: scorerResolver)
    }

    /// Decodes policy YAML. `file` names the text in diagnostics; `baseDirectory` (default: the
    /// directory part of `file`) resolves a relative `prices:` path and a `scorer:` model path,
    /// whose bytes `scorerResolver` supplies (default: the file system, and the embedded copies
    /// for paths under the bundled directory).
    public static func parse(yaml: String, file: String, baseDirectory: String? = nil,
                             scorerResolver: any ScorerModelResolver = FileSystemScorerResolver()) throws(PolicyError) -> Policy {
        try parse(yaml: yaml, file: file, baseDirectory: baseDirectory,
                  builtInSignals: ComplexityConfiguration.default.signals, scorerResolver: scorerResolver)
    }

    /// Decodes policy YAML whose `signals:` section adjusts `builtInSignals`.
    static func parse(yaml: String, file: String, baseDirectory: String?, builtInSignals: [ComplexitySignal],
                      scorerResolver: any ScorerModelResolver = FileSystemScorerResolver()) throws(PolicyError) -> Policy {
        let context = try YAMLDecodingContext(text: yaml, file: file)
        let directory = baseDirectory ?? Self.directory(of: file)
        let decoder = PolicyDecoder(context: context, baseDirectory: directory, builtInSignals: builtInSignals)
        decoder.scorerResolver = scorerResolver
        let policy = decoder.decodePolicy()
        var result = try context.finish(policy)
        result.contentHash = contentHash(of: yaml)
        return result
    }

    /// FNV-1a 64 of the text's UTF-8 bytes as 16 hex digits — what `contentHash` holds.
    public static func contentHash(of text: String) -> String {
        var hash = FNV1a64()
        hash.combine(text)
        return hash.hex
    }

    static func directory(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        return slash == file.startIndex ? "/" : String(file[..<slash])
    }

    static func resolve(path: String, against directory: String) -> String {
        if path.hasPrefix("/") { return path }
        return directory == "." ? path : directory + "/" + path
    }
}
