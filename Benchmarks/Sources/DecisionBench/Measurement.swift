/// Timing with `ContinuousClock`: a warm-up, then one sample per call.
struct Measurement {
    /// Seconds.
    var median: Double
    var p99: Double

    /// Sink so the optimiser cannot drop the measured work.
    nonisolated(unsafe) static var sink = 0

    static func run(samples: Int, warmUp: Int = 200, _ body: () -> Int) -> Measurement {
        let clock = ContinuousClock()
        for _ in 0..<warmUp { sink &+= body() }
        var times: [Double] = []
        times.reserveCapacity(samples)
        for _ in 0..<max(samples, 1) {
            let start = clock.now
            sink &+= body()
            let elapsed = clock.now - start
            times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        times.sort()
        return Measurement(median: times[times.count / 2],
                           p99: times[min(times.count - 1, Int(Double(times.count) * 0.99))])
    }
}

func format(_ seconds: Double) -> String {
    let micros = seconds * 1e6
    return micros < 10 ? "\(Double(Int(micros * 100)) / 100) µs" : "\(Double(Int(micros * 10)) / 10) µs"
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }

    /// "123" → "1.23" (hundredths).
    func insertingDecimal() -> String {
        let index = self.index(endIndex, offsetBy: -2)
        return String(self[..<index]) + "." + String(self[index...])
    }
}
