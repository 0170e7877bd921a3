extension CPUBackend {
    public func sum(_ x: Tensor, toShape shape: [Int]) -> Tensor {
        precondition(shape.count <= x.rank, "cannot sum \(x) to \(shape): more dimensions")
        let target = [Int](repeating: 1, count: x.rank - shape.count) + shape
        precondition(
            zip(x.shape, target).allSatisfy { $0 == $1 || $1 == 1 }, "cannot sum \(x) to \(shape): not a broadcast")
        let out = allocate(shape)
        let reduction = BroadcastReduction(shape: x.shape, target: target)
        let (src, dst) = (floats(x), floats(out))
        let outputs = out.elementCount
        guard outputs > 0 else { return out }

        if outputs < 4096 {
            // Few outputs (a bias, a total): parallel over fixed blocks of the summed indices.
            let blockSize = Parallel.blockSize(items: reduction.reducedCount, cost: reduction.costPerReducedIndex)
            let totals = Parallel.blockedSums(count: reduction.reducedCount, blockSize: blockSize, width: outputs) {
                reduction.accumulate(src, outputs: 0..<outputs, reduced: $0, into: $1)
            }
            for o in 0..<outputs { dst[o] = Float(totals[o]) }
        } else {
            // Many outputs: each chunk of outputs sums all its terms in index order.
            let grain = max(1, 65_536 / max(reduction.costPerReducedIndex * reduction.reducedCount / outputs, 1))
            Parallel.forEachChunk(outputs, grain: grain) { range in
                let sums = UnsafeMutablePointer<Double>.allocate(capacity: range.count)
                defer { sums.deallocate() }
                sums.initialize(repeating: 0, count: range.count)
                reduction.accumulate(src, outputs: range, reduced: 0..<reduction.reducedCount, into: sums)
                for i in 0..<range.count { dst[range.lowerBound + i] = Float(sums[i]) }
            }
        }
        return out
    }
}

/// Summing a row-major tensor down to a broadcast `target` shape of the same rank. Adjacent dimensions that are both
/// kept or both summed are merged, so the work is a contiguous run of `inner` elements (kept or summed) per pair of
/// an outer kept index and a summed index.
private struct BroadcastReduction {
    /// Sizes and element strides of the merged outer kept and summed dimensions, the innermost last.
    var kept: [(size: Int, stride: Int)] = []
    var reduced: [(size: Int, stride: Int)] = []
    /// Length of the innermost merged dimension, and whether it is kept (else summed).
    var inner = 1
    var innerKept = true

    init(shape: [Int], target: [Int]) {
        var merged: [(size: Int, kept: Bool)] = []
        for (size, targetSize) in zip(shape, target) where size != 1 {
            let isKept = targetSize != 1
            if let last = merged.last, last.kept == isKept {
                merged[merged.count - 1].size *= size
            } else {
                merged.append((size, isKept))
            }
        }
        if let last = merged.popLast() { (inner, innerKept) = (last.size, last.kept) }
        var stride = inner
        for dimension in merged.reversed() {
            if dimension.kept {
                kept.insert((dimension.size, stride), at: 0)
            } else {
                reduced.insert((dimension.size, stride), at: 0)
            }
            stride *= dimension.size
        }
    }

    var reducedCount: Int { reduced.reduce(1) { $0 * $1.size } }
    /// Elements read per summed index over all outputs.
    var costPerReducedIndex: Int { kept.reduce(inner) { $0 * $1.size } }

    /// The element offset of a flat index over `dimensions`.
    private static func offset(_ index: Int, in dimensions: [(size: Int, stride: Int)]) -> Int {
        var (remainder, offset) = (index, 0)
        for dimension in dimensions.reversed() {
            offset += (remainder % dimension.size) * dimension.stride
            remainder /= dimension.size
        }
        return offset
    }

    /// Adds to `sums[o − outputs.lowerBound]` the terms of summed indices `reduced` for the outputs `outputs`,
    /// in increasing summed index.
    func accumulate(
        _ x: UnsafePointer<Float>, outputs: Range<Int>, reduced reducedRange: Range<Int>,
        into sums: UnsafeMutablePointer<Double>
    ) {
        if innerKept {
            // Output o = (outer kept index p, inner position j); its terms are x[p, r, j] over the summed r.
            let rows = (outputs.lowerBound / inner)...((outputs.upperBound - 1) / inner)
            let rowOffsets = rows.map { Self.offset($0, in: kept) }
            for r in reducedRange {
                let reducedOffset = Self.offset(r, in: reduced)
                for (row, rowOffset) in zip(rows, rowOffsets) {
                    let columns = max(outputs.lowerBound, row * inner)..<min(outputs.upperBound, (row + 1) * inner)
                    let source = x + rowOffset + reducedOffset - row * inner
                    let target = sums - outputs.lowerBound
                    for o in columns { target[o] += Double(source[o]) }
                }
            }
        } else {
            for o in outputs {
                let keptOffset = Self.offset(o, in: kept)
                var total = 0.0
                for r in reducedRange {
                    let source = x + keptOffset + Self.offset(r, in: reduced)
                    for i in 0..<inner { total += Double(source[i]) }
                }
                sums[o - outputs.lowerBound] += total
            }
        }
    }
}
