extension Parallel {
    /// Sums of `width` doubles over `count` items that come out bit-identical on every run and machine: the items
    /// are cut into blocks of `blockSize` (a function of the shape, never of the core count), `accumulate(range,
    /// partial)` adds one block's items into that block's own zeroed `partial`, the blocks run in parallel, and the
    /// partials are added in block order.
    static func blockedSums(
        count: Int, blockSize: Int, width: Int, _ accumulate: (Range<Int>, UnsafeMutablePointer<Double>) -> Void
    ) -> [Double] {
        precondition(blockSize > 0, "blockedSums of blocks of \(blockSize)")
        let blocks = (count + blockSize - 1) / blockSize
        guard blocks > 0, width > 0 else { return [Double](repeating: 0, count: width) }
        var partials = [Double](repeating: 0, count: blocks * width)
        partials.withUnsafeMutableBufferPointer { partials in
            let base = partials.baseAddress!
            forEachChunk(blocks, grain: 1) { range in
                for block in range {
                    accumulate((block * blockSize)..<min(count, (block + 1) * blockSize), base + block * width)
                }
            }
        }
        var total = [Double](repeating: 0, count: width)
        for block in 0..<blocks {
            for i in 0..<width { total[i] += partials[block * width + i] }
        }
        return total
    }

    /// Items per block for `blockedSums` when each item costs `cost` elements of work: about 64 Ki elements a block,
    /// and at most `maxBlocks` blocks so the partials stay small.
    static func blockSize(items: Int, cost: Int, maxBlocks: Int = 256) -> Int {
        max(1, 65_536 / max(cost, 1), (items + maxBlocks - 1) / maxBlocks)
    }
}
