import ArgumentParser
import ClaudeRouterEval
import Foundation
import RouterPolicies

/// `claude-router prices`: the price book as a table, or one model's resolved entry.
struct PricesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prices",
        abstract: "Show the price book (USD per million tokens), or resolve one model id.",
        discussion: "Without --prices the bundled price book is used. --model accepts canonical ids, aliases and dated ids (claude-haiku-4-5-20251001).")

    @Option(help: ArgumentHelp("Price book YAML (default: the bundled one).", valueName: "file"))
    var prices: String?

    @Option(help: ArgumentHelp("Resolve this model id and show the price in force today.", valueName: "id"))
    var model: String?

    func run() async throws {
        let book = try Inputs.prices(explicit: prices)
        if let model {
            Terminal.writeOut(try Self.describe(model: model, in: book, at: Date()))
        } else {
            Terminal.writeOut(Self.table(book))
        }
    }

    /// `$3` from a per-token price: picodollars per token × 1e6 = picodollars per million tokens.
    static func perMillion(_ perToken: USDAmount) -> String {
        let exact = USDAmount(picodollars: perToken.picodollars * 1_000_000).exactDecimal
        let parts = exact.split(separator: ".", maxSplits: 1)
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        // At least cents ($3.00, $0.10), all significant digits beyond ($0.125).
        return "$" + parts[0] + "." + fraction + String(repeating: "0", count: max(0, 2 - fraction.count))
    }

    static func table(_ book: PriceBook) -> String {
        var table = TextTable(
            headers: ["model", "from", "input", "cache write 5m", "cache write 1h", "cache read", "output", "aliases"],
            alignments: [.left, .left, .right, .right, .right, .right, .right, .left])
        for id in book.modelIDs {
            guard let listing = book.models[id] else { continue }
            for price in listing.prices {
                let r = price.rates
                table.append([id, utcDay(price.effectiveFrom), perMillion(r.input), perMillion(r.cacheWrite5m),
                              perMillion(r.cacheWrite1h), perMillion(r.cacheRead), perMillion(r.output),
                              listing.aliases.joined(separator: ", ")])
                for tier in price.tiers {
                    let t = tier.rates
                    table.append(["  prompt > \(tier.abovePromptTokens)", "", perMillion(t.input), perMillion(t.cacheWrite5m),
                                  perMillion(t.cacheWrite1h), perMillion(t.cacheRead), perMillion(t.output), ""])
                }
            }
        }
        var text = "Prices from \(book.file), USD per million tokens\n\n" + table.rendered + "\n"
        if let lines = serverToolLines(book) {
            text += "\n" + lines.joined(separator: "\n") + "\n"
        }
        return text
    }

    /// `server tools (USD per use, on top of their tokens):` and one line per counter and
    /// price entry (`  web_search_requests  from 2025-01-01  $0.01`); `nil` when the book lists none.
    static func serverToolLines(_ book: PriceBook) -> [String]? {
        guard !book.serverTools.isEmpty else { return nil }
        var lines = ["server tools (USD per use, on top of their tokens; no batch or geo multiplier):"]
        let width = book.serverTools.keys.map(\.count).max() ?? 0
        for counter in book.serverTools.keys.sorted() {
            for price in book.serverTools[counter] ?? [] {
                let name = counter.padding(toLength: width, withPad: " ", startingAt: 0)
                lines.append("  \(name)  from \(utcDay(price.effectiveFrom))  $\(price.perUse.exactDecimal)")
            }
        }
        return lines
    }

    static func describe(model: String, in book: PriceBook, at date: Date) throws -> String {
        guard let id = book.canonicalModelID(for: model), let listing = book.models[id] else {
            throw CLIError.data("error: unknown model '\(model)' in \(book.file); known models: \(book.modelIDs.joined(separator: ", "))")
        }
        guard let price = book.price(for: model, at: date) else {
            throw CLIError.data("error: model '\(model)' has no price in force on \(utcDay(date)) in \(book.file)")
        }
        var lines = ["model:      \(model)"]
        if id != model {
            let how = listing.aliases.contains(model) ? "alias of" : "dated id of"
            lines.append("resolves:   \(how) \(id)")
        }
        lines.append("price:      \(price.priceID) (effective \(utcDay(price.effectiveFrom)))")
        let r = price.rates
        lines += [
            "input:          \(perMillion(r.input)) / MTok",
            "cache write 5m: \(perMillion(r.cacheWrite5m)) / MTok",
            "cache write 1h: \(perMillion(r.cacheWrite1h)) / MTok",
            "cache read:     \(perMillion(r.cacheRead)) / MTok",
            "output:         \(perMillion(r.output)) / MTok",
        ]
        for tier in price.tiers {
            lines.append("prompts over \(tier.abovePromptTokens) tokens: input \(perMillion(tier.rates.input)), output \(perMillion(tier.rates.output)) / MTok (every category)")
        }
        if listing.prices.count > 1 {
            lines.append("history:    " + listing.prices.map { utcDay($0.effectiveFrom) }.joined(separator: ", "))
        }
        for counter in book.serverTools.keys.sorted() {
            if let perUse = book.serverToolPrice(counter, at: date) {
                lines.append("server tool \(counter): $\(perUse.exactDecimal) per use")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
