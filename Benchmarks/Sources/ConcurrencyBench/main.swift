import Foundation

#if canImport(Glibc)
    import Glibc
#endif

// ConcurrencyBench — the Swift side of `Benchmarks/run-all.sh`. Every mode prints one JSON object
// per line on stdout so the orchestration script can merge it with the Python peers' figures.
//
//   ConcurrencyBench decide PROMPTS.json [SAMPLES]   PolicyEngine.decide per prompt: median/p99 µs
//   ConcurrencyBench mock                            MockAnthropicServer in THIS process; prints
//                                                    `PORT n`, and on stdin EOF one JSON stats line
//   ConcurrencyBench streams N [PORT]                N concurrent streamed calls of AnthropicClient
//                                                    against `ConcurrencyBench mock` (a child
//                                                    process, or the one on PORT): peak threads,
//                                                    peak RSS, sockets, calls completed

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ConcurrencyBench: \(message)\n".utf8))
    exit(1)
}

/// Prints one JSON object on its own line and flushes, so a parent reading the pipe sees it now.
func emit(_ object: [String: Any]) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
        fail("cannot encode \(object)")
    }
    // Unbuffered write: a parent reading the pipe sees the line at once.
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "decide":
    guard arguments.count >= 2 else { fail("usage: decide PROMPTS.json [SAMPLES]") }
    runDecide(promptsFile: arguments[1], samples: arguments.count > 2 ? Int(arguments[2]) ?? 2_000 : 2_000)
case "mock":
    await runMock()
case "streams":
    let count = arguments.count > 1 ? Int(arguments[1]) ?? 1_000 : 1_000
    await runStreams(count: count, port: arguments.count > 2 ? Int(arguments[2]) : nil)
default:
    fail("usage: ConcurrencyBench decide PROMPTS.json [SAMPLES] | mock | streams N [PORT]")
}
