import Foundation
import RouterPolicies

/// Times `PolicyEngine.decide` (bundled default policy) on each prompt of a JSON file shared
/// with the Python peer (`[{"name": …, "text": …}]`), so both sides decide over identical text.
func runDecide(promptsFile: String, samples: Int) {
    guard let data = FileManager.default.contents(atPath: promptsFile),
        let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
    else { fail("cannot read prompts from \(promptsFile)") }
    let engine: PolicyEngine
    do {
        engine = PolicyEngine(policy: try BundledPolicies.defaultPolicy())
    } catch {
        fail("bundled policy: \(error)")
    }
    for entry in list {
        guard let name = entry["name"] as? String, let text = entry["text"] as? String else {
            fail("prompt entry without name/text in \(promptsFile)")
        }
        // What ModelRouter builds from a one-user-message request: the text, one message.
        let input = RoutingInput(text: text, messageCount: 1)
        var sink = 0
        for _ in 0..<max(20, samples / 10) { sink &+= engine.decide(input).tierIndex }  // warm-up
        var times: [Double] = []
        times.reserveCapacity(samples)
        let clock = ContinuousClock()
        var tier = ""
        for _ in 0..<samples {
            let start = clock.now
            let decision = engine.decide(input)
            let elapsed = clock.now - start
            sink &+= decision.tierIndex
            tier = decision.model
            let (seconds, attoseconds) = elapsed.components
            times.append(Double(seconds) * 1e6 + Double(attoseconds) / 1e12)
        }
        times.sort()
        emit([
            "prompt": name, "chars": text.utf8.count, "samples": samples,
            "median_us": times[times.count / 2],
            "p99_us": times[min(times.count - 1, Int(Double(times.count) * 0.99))],
            "model": tier, "sink": sink,
        ])
    }
}
