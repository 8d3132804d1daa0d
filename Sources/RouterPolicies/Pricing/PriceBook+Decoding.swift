import Foundation

extension PriceBook {
    /// Reads and validates a price file; every problem is reported with its line and column.
    public static func load(file path: String) throws(PolicyError) -> PriceBook {
        // A bundled policy's relative `prices:` resolves to `<bundled>/NAME`: an embedded file.
        if path.hasPrefix(BundledPolicies.directory + "/") {
            guard let text = BundledPolicies.text(named: path) else {
                throw PolicyError(Diagnostic(mark: .wholeFile(path), message: "no such bundled price file"))
            }
            return try parse(yaml: text, file: path)
        }
        let text = try SourceText.read(file: path, what: "price file", limit: SourceText.policyByteLimit)
        return try parse(yaml: text, file: path)
    }

    /// Parses and validates price YAML (see policies/prices.yaml for the format).
    public static func parse(yaml text: String, file: String) throws(PolicyError) -> PriceBook {
        let context = try YAMLDecodingContext(text: text, file: file)
        let book = PriceBookDecoder(context: context, file: file).decode()
        return try context.finish(book)
    }
}

/// Turns the YAML tree into a `PriceBook`, recording every bad value in the context.
struct PriceBookDecoder {
    let context: YAMLDecodingContext
    let file: String

    static let rateKeys = ["input", "cache_write_5m", "cache_write_1h", "cache_read", "output"]

    func decode() -> PriceBook? {
        guard let root = context.mapping(context.root, required: ["models"],
                                         optional: ["batch_discount", "inference_geo", "server_tools"],
                                         what: "the price file") else {
            return nil
        }
        var discount = ExactDecimal(significand: 5, fractionDigits: 1)
        if let node = root.present("batch_discount"), let value = context.decimal(node, maxFractionDigits: 6) {
            if value.significand >= value.denominator {
                context.error("expected a batch discount below 1 (0.5 = 50% off), found \(value)", at: node)
            } else {
                discount = value
            }
        }
        var geos: [String: ExactDecimal] = [:]
        if let node = root.present("inference_geo"), let mapping = context.mapping(node, what: "inference_geo") {
            for entry in mapping.entries {
                if let factor = context.decimal(entry.value, maxFractionDigits: 6) { geos[entry.key.lowercased()] = factor }
            }
        }
        let models = root["models"].flatMap { decodeModels($0) } ?? []
        let serverTools = root.present("server_tools").flatMap { decodeServerTools($0) } ?? [:]
        return PriceBook(file: file, models: models, batchDiscount: discount, inferenceGeoMultipliers: geos,
                         serverTools: serverTools)
    }

    /// `server_tools: { COUNTER: [ { effective_from: YYYY-MM-DD, usd_per_use: "0.01" }, … ] }`,
    /// dates strictly increasing per counter.
    private func decodeServerTools(_ node: YAMLNode) -> [String: [ServerToolPrice]]? {
        guard let mapping = context.mapping(node, what: "server_tools") else { return nil }
        var result: [String: [ServerToolPrice]] = [:]
        for entry in mapping.entries {
            var prices: [ServerToolPrice] = []
            var previous: (date: CivilDate, node: YAMLNode)?
            for item in context.sequence(entry.value) ?? [] {
                guard let price = context.mapping(item, required: ["effective_from", "usd_per_use"], optional: [],
                                                  what: "a server-tool price"),
                      let dateNode = price["effective_from"], let date = effectiveDate(dateNode),
                      let amountNode = price["usd_per_use"], let perUse = context.usd(amountNode) else { continue }
                if let previous, !(previous.date < date) {
                    context.error("effective_from \(date) must be later than the previous entry's \(previous.date): list prices in increasing date order",
                                  at: dateNode, notes: [(previous.node.mark, "the previous entry's date")])
                    continue
                }
                previous = (date, dateNode)
                prices.append(ServerToolPrice(counter: entry.key, effectiveFrom: date.date, perUse: perUse))
            }
            if entry.value.sequence?.isEmpty == true {
                context.error("server tool '\(entry.key)' needs at least one price entry", at: entry.value)
            }
            result[entry.key] = prices
        }
        return result
    }

    private func decodeModels(_ node: YAMLNode) -> [PriceBook.ModelListing]? {
        guard let mapping = context.mapping(node, what: "models") else { return nil }
        var listings: [PriceBook.ModelListing] = []
        var names: [String: (mark: SourceMark, model: String)] = [:]
        for entry in mapping.entries {
            claim(entry.key, at: entry.keyNode.mark, for: entry.key, isAlias: false, names: &names)
            guard let listing = decodeModel(id: entry.key, entry.value) else { continue }
            for aliasNode in entry.value["aliases"]?.sequence ?? [] {
                if let alias = aliasNode.scalar, !aliasNode.isNull { claim(alias, at: aliasNode.mark, for: entry.key, isAlias: true, names: &names) }
            }
            listings.append(listing)
        }
        return listings
    }

    /// Records that `name` resolves to `model`; a name claimed twice is an error at the second.
    private func claim(_ name: String, at mark: SourceMark, for model: String, isAlias: Bool,
                       names: inout [String: (mark: SourceMark, model: String)]) {
        if let previous = names[name] {
            let what = isAlias ? "'\(name)' cannot be an alias of '\(model)'" : "model id '\(name)' cannot be listed"
            context.error("\(what): it already names '\(previous.model)'", at: mark,
                          notes: [(previous.mark, "'\(name)' is first used here")])
        } else {
            names[name] = (mark, model)
        }
    }

    private func decodeModel(id: String, _ node: YAMLNode) -> PriceBook.ModelListing? {
        guard let mapping = context.mapping(node, required: ["prices"], optional: ["aliases", "min_cacheable_tokens"],
                                            what: "model '\(id)'") else {
            return nil
        }
        var aliases: [String] = []
        if let aliasNode = mapping.present("aliases"), let items = context.sequence(aliasNode) {
            aliases = items.compactMap { context.nonEmptyString($0) }
        }
        var prices: [ModelPrice] = []
        var previous: (date: CivilDate, node: YAMLNode)?
        for item in mapping["prices"].flatMap({ context.sequence($0) }) ?? [] {
            let (price, dated) = decodePrice(modelID: id, item)
            // Dates are checked even when a price in the entry is bad, so both errors show.
            if case let (date, dateNode)? = dated {
                if let previous, !(previous.date < date) {
                    let problem = previous.date == date ? "repeats" : "is earlier than"
                    context.error("effective_from \(date) \(problem) the previous entry's \(previous.date): list prices in increasing date order",
                                  at: dateNode, notes: [(previous.node.mark, "the previous entry's date")])
                    continue
                }
                previous = (date, dateNode)
            }
            if let price { prices.append(price) }
        }
        if let pricesNode = mapping["prices"], pricesNode.sequence?.isEmpty == true {
            context.error("model '\(id)' needs at least one price entry", at: pricesNode)
        }
        var listing = PriceBook.ModelListing(id: id, aliases: aliases, prices: prices)
        listing.minCacheableTokens = mapping.present("min_cacheable_tokens").flatMap { context.int($0, in: 1...Int(Int32.max)) }
        return listing
    }

    private func decodePrice(modelID: String, _ node: YAMLNode) -> (ModelPrice?, (CivilDate, YAMLNode)?) {
        guard let mapping = context.mapping(node, required: ["effective_from"] + Self.rateKeys,
                                            optional: ["tiers"], what: "a price entry") else {
            return (nil, nil)
        }
        let date = mapping["effective_from"].flatMap(effectiveDate)
        let rates = decodeRates(mapping)
        var tiers: [LengthTier] = []
        if let tiersNode = mapping.present("tiers"), let items = context.sequence(tiersNode) {
            for item in items {
                guard let tierMapping = context.mapping(item, required: ["above_prompt_tokens"] + Self.rateKeys,
                                                        optional: [], what: "a length tier"),
                      let thresholdNode = tierMapping["above_prompt_tokens"],
                      let threshold = context.int(thresholdNode, in: 1...Int(Int32.max)) else {
                    continue
                }
                if let last = tiers.last, threshold <= last.abovePromptTokens {
                    context.error("above_prompt_tokens \(threshold) must be greater than the previous tier's \(last.abovePromptTokens)",
                                  at: thresholdNode)
                    continue
                }
                if let tierRates = decodeRates(tierMapping) {
                    tiers.append(LengthTier(abovePromptTokens: threshold, rates: tierRates))
                }
            }
        }
        guard let date, let dateNode = mapping["effective_from"] else { return (nil, nil) }
        guard let rates else { return (nil, (date, dateNode)) }
        return (ModelPrice(modelID: modelID, effectiveFrom: date.date, rates: rates, tiers: tiers), (date, dateNode))
    }

    private func decodeRates(_ mapping: YAMLMapping) -> TokenRates? {
        let values = Self.rateKeys.map { key in mapping[key].flatMap(perTokenRate) }
        guard let input = values[0], let write5m = values[1], let write1h = values[2],
              let read = values[3], let output = values[4] else {
            return nil
        }
        return TokenRates(input: input, cacheWrite5m: write5m, cacheWrite1h: write1h, cacheRead: read, output: output)
    }

    /// A USD-per-million-tokens price as picodollars per token; more than 6 decimals cannot be exact.
    private func perTokenRate(_ node: YAMLNode) -> USDAmount? {
        guard let perMillion = context.usd(node) else { return nil }
        guard let rate = perMillion.perTokenFromPerMillion else {
            context.error("price \(perMillion.exactDecimal) has more than 6 decimals in USD per million tokens, so it is not a whole number of picodollars per token",
                          at: node)
            return nil
        }
        return rate
    }

    private func effectiveDate(_ node: YAMLNode) -> CivilDate? {
        guard let text = context.string(node) else { return nil }
        guard let date = CivilDate(text) else {
            context.error("expected a date written YYYY-MM-DD, found \(node.kindDescription)", at: node)
            return nil
        }
        return date
    }
}
