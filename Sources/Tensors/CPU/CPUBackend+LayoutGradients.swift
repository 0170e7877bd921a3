extension CPUBackend {
    public func upsampleNearestBackward(_ gradOutput: Tensor, inputHeight: Int, inputWidth: Int) -> Tensor {
        precondition(gradOutput.rank == 4, "upsampleNearestBackward expects NHWC, got \(gradOutput)")
        let (n, height, width, c) = (gradOutput.shape[0], gradOutput.shape[1], gradOutput.shape[2], gradOutput.shape[3])
        precondition(
            inputHeight >= 0 && inputWidth >= 0, "upsampleNearestBackward to \(inputHeight)×\(inputWidth)")
        let out = allocate([n, inputHeight, inputWidth, c])
        // The output rows (columns) that copied each input row (column): consecutive, since the rule is monotone.
        func copies(_ outputCount: Int, from inputCount: Int) -> [Range<Int>] {
            var ranges = [Range<Int>](repeating: 0..<0, count: inputCount)
            for (target, source) in nearestSourceIndices(outputCount, from: inputCount).enumerated() {
                let range = ranges[source]
                ranges[source] = range.isEmpty ? target..<(target + 1) : range.lowerBound..<(target + 1)
            }
            return ranges
        }
        let (rowCopies, columnCopies) = (copies(height, from: inputHeight), copies(width, from: inputWidth))
        let (src, dst) = (floats(gradOutput), floats(out))
        // Each input pixel sums its copies in increasing output row, then column: a fixed order on every run.
        Parallel.forEachChunk(n * inputHeight, grain: max(1, 16_384 / max(width * c, 1))) { range in
            for row in range {
                let (image, y) = row.quotientAndRemainder(dividingBy: inputHeight)
                let target = dst + row * inputWidth * c
                target.initialize(repeating: 0, count: inputWidth * c)
                for sourceRow in rowCopies[y] {
                    let source = src + (image * height + sourceRow) * width * c
                    for (x, columns) in columnCopies.enumerated() {
                        for column in columns {
                            for channel in 0..<c { target[x * c + channel] += source[column * c + channel] }
                        }
                    }
                }
            }
        }
        return out
    }

    public func scatterAddRows(_ x: Tensor, rows: [Int], count: Int) -> Tensor {
        precondition(x.rank >= 1 && x.shape[0] == rows.count, "scatterAddRows: \(rows.count) rows for \(x)")
        precondition(count >= 0, "scatterAddRows into \(count) rows")
        let width = x.shape.dropFirst().reduce(1, *)
        // The sources of each target row, in increasing source index, so that repeated rows add in a fixed order.
        var sources = [[Int]](repeating: [], count: count)
        for (i, row) in rows.enumerated() {
            precondition(row >= 0 && row < count, "scatterAddRows: row \(row) outside 0..<\(count)")
            sources[row].append(i)
        }
        let out = allocate([count] + x.shape.dropFirst())
        let (src, dst) = (floats(x), floats(out))
        Parallel.forEachChunk(count, grain: max(1, 16_384 / max(width, 1))) { range in
            for row in range {
                let target = dst + row * width
                target.initialize(repeating: 0, count: width)
                for source in sources[row] {
                    let values = src + source * width
                    for i in 0..<width { target[i] += values[i] }
                }
            }
        }
        return out
    }
}
