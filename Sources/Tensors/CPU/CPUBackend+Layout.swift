import Foundation

extension CPUBackend {
    public func permute(_ x: Tensor, _ axes: [Int]) -> Tensor {
        precondition(axes.sorted() == Array(0..<x.rank), "\(axes) is not a permutation of \(x.rank) axes")
        let outShape = axes.map { x.shape[$0] }
        let out = allocate(outShape)
        guard out.elementCount > 0 else { return out }
        var inStrides = [Int](repeating: 1, count: x.rank)
        for axis in stride(from: x.rank - 2, through: 0, by: -1) {
            inStrides[axis] = inStrides[axis + 1] * x.shape[axis + 1]
        }
        // Stride in the input for each output axis; the last output axis is the inner loop.
        let strides = axes.map { inStrides[$0] }
        let inner = outShape.last ?? 1
        let innerStride = strides.last ?? 1
        let outerShape = Array(outShape.dropLast())
        let rows = outerShape.reduce(1, *)
        let (src, dst) = (floats(x), floats(out))
        Parallel.forEachChunk(rows, grain: max(1, 16_384 / max(inner, 1))) { range in
            for row in range {
                var remainder = row
                var base = 0
                for axis in stride(from: outerShape.count - 1, through: 0, by: -1) {
                    base += (remainder % outerShape[axis]) * strides[axis]
                    remainder /= outerShape[axis]
                }
                let target = dst + row * inner
                for i in 0..<inner { target[i] = src[base + i * innerStride] }
            }
        }
        return out
    }

    public func concat(_ xs: [Tensor], axis: Int) -> Tensor {
        guard let first = xs.first else { preconditionFailure("concat of no tensors") }
        for x in xs {
            precondition(
                x.rank == first.rank
                    && zip(x.shape, first.shape).enumerated().allSatisfy { $0.offset == axis || $0.element.0 == $0.element.1 },
                "cannot concatenate \(xs.map(\.shape)) along axis \(axis)")
        }
        var outShape = first.shape
        outShape[axis] = xs.map { $0.shape[axis] }.reduce(0, +)
        let out = allocate(outShape)
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[(axis + 1)...].reduce(1, *)
        let dst = floats(out)
        let outRow = outShape[axis] * inner
        var column = 0
        for x in xs {
            let src = floats(x)
            let width = x.shape[axis] * inner
            let start = column
            Parallel.forEachChunk(outer, grain: max(1, 16_384 / max(width, 1))) { range in
                for o in range {
                    (dst + o * outRow + start).update(from: src + o * width, count: width)
                }
            }
            column += width
        }
        return out
    }

    public func slice(_ x: Tensor, axis: Int, _ range: Range<Int>) -> Tensor {
        precondition(range.lowerBound >= 0 && range.upperBound <= x.shape[axis], "slice \(range) of \(x) axis \(axis)")
        var outShape = x.shape
        outShape[axis] = range.count
        let out = allocate(outShape)
        let outer = x.shape[..<axis].reduce(1, *)
        let inner = x.shape[(axis + 1)...].reduce(1, *)
        let (src, dst) = (floats(x), floats(out))
        let inRow = x.shape[axis] * inner
        let width = range.count * inner
        Parallel.forEachChunk(outer, grain: max(1, 16_384 / max(width, 1))) { rows in
            for o in rows {
                (dst + o * width).update(from: src + o * inRow + range.lowerBound * inner, count: width)
            }
        }
        return out
    }

    public func gatherRows(_ x: Tensor, rows: [Int]) -> Tensor {
        let width = x.shape.dropFirst().reduce(1, *)
        let out = allocate([rows.count] + x.shape.dropFirst())
        let (src, dst) = (floats(x), floats(out))
        for (i, row) in rows.enumerated() {
            precondition(row >= 0 && row < x.shape[0], "row \(row) of \(x)")
            (dst + i * width).update(from: src + row * width, count: width)
        }
        return out
    }

    public func embedding(_ ids: [Int32], table: Tensor) -> Tensor {
        precondition(table.rank == 2, "embedding table must be [V, C], got \(table)")
        return gatherRows(table, rows: ids.map(Int.init))
    }

    public func upsampleNearest(_ x: Tensor, height: Int, width: Int) -> Tensor {
        precondition(x.rank == 4, "upsampleNearest expects NHWC, got \(x)")
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let out = allocate([n, height, width, c])
        let sourceRows = nearestSourceIndices(height, from: h)
        let sourceColumns = nearestSourceIndices(width, from: w)
        let (src, dst) = (floats(x), floats(out))
        Parallel.forEachChunk(n * height, grain: max(1, 16_384 / max(width * c, 1))) { range in
            for row in range {
                let (image, y) = row.quotientAndRemainder(dividingBy: height)
                let source = src + (image * h + sourceRows[y]) * w * c
                let target = dst + row * width * c
                for (column, sourceColumn) in sourceColumns.enumerated() {
                    (target + column * c).update(from: source + sourceColumn * c, count: c)
                }
            }
        }
        return out
    }
}

/// The input index that each of `outputCount` positions copies when resizing from `inputCount` positions, by
/// PyTorch's "nearest" rule: min(floor(i · in/out), in − 1), with the scale in Float.
func nearestSourceIndices(_ outputCount: Int, from inputCount: Int) -> [Int] {
    precondition(inputCount > 0 || outputCount == 0, "nearest resize of \(inputCount) positions to \(outputCount)")
    let scale = Float(inputCount) / Float(outputCount)
    return (0..<outputCount).map { min(Int((Float($0) * scale).rounded(.down)), inputCount - 1) }
}
