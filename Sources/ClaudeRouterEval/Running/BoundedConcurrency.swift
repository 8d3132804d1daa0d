/// Runs `body` on every item with at most `limit` calls in flight; results keep input order.
/// `progress` is called with the number of finished items after each one finishes.
package func boundedConcurrentMap<Item: Sendable, Result: Sendable>(
    _ items: [Item], limit: Int, progress: (@Sendable (Int) -> Void)? = nil,
    _ body: @escaping @Sendable (Item) async -> Result
) async -> [Result] {
    guard !items.isEmpty else { return [] }
    let width = max(1, min(limit, items.count))
    var results = [Result?](repeating: nil, count: items.count)
    await withTaskGroup(of: (Int, Result).self) { group in
        var next = 0
        var finished = 0
        while next < width {
            let index = next, item = items[index]
            group.addTask { (index, await body(item)) }
            next += 1
        }
        while let (index, result) = await group.next() {
            results[index] = result
            finished += 1
            progress?(finished)
            if next < items.count {
                let nextIndex = next, item = items[nextIndex]
                group.addTask { (nextIndex, await body(item)) }
                next += 1
            }
        }
    }
    return results.compactMap { $0 } // every index was filled exactly once above
}
