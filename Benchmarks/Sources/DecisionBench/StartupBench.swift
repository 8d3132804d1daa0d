import Foundation
import RouterPolicies

/// `DecisionBench startup [REPS]`: what a process pays before its first decision, piece by
/// piece — hashing and reading the default policy's learned-scorer sidecar, loading its YAML, compiling the
/// engine's tables — as medians over REPS, next to a baseline measured in the same run: one
/// `JSONSerialization` parse of the same sidecar bytes (Foundation's untyped parser).
enum StartupBench {
    static func run(policiesDirectory: String, repetitions: Int) {
        let sidecarPath = policiesDirectory + "/default.scorer.json"
        guard let sidecar = FileManager.default.contents(atPath: sidecarPath) else {
            print("cannot read \(sidecarPath)")
            exit(1)
        }
        let bytes = [UInt8](sidecar)
        let policy = try! Policy.load(file: policiesDirectory + "/default.yaml")
        let rows: [(String, () -> Int)] = [
            ("baseline JSONSerialization of the sidecar", {
                (try! JSONSerialization.jsonObject(with: sidecar) as! [String: Any]).count
            }),
            ("SHA256.hex (sidecar, the policy's pin check)", { SHA256.hex(of: bytes).count }),
            ("DifficultyModel.decode (sidecar)", { try! DifficultyModel.decode(bytes).ngramBuckets.count }),
            ("Policy.load default.yaml (+ sidecar)", {
                try! Policy.load(file: policiesDirectory + "/default.yaml").tiers.count
            }),
            ("PolicyEngine(policy:) tables", { PolicyEngine(policy: policy).policy.tiers.count }),
        ]
        print("DecisionBench startup — \(repetitions) repetitions; median per call")
        var base = 0.0
        for (name, body) in rows {
            let result = Measurement.run(samples: repetitions, warmUp: 2, body)
            if base == 0 { base = result.median }
            print(pad(name, 44) + pad(String(format: "%.2f ms", result.median * 1e3), 12)
                  + String(format: "%.2f", result.median / base))
        }
    }
}
