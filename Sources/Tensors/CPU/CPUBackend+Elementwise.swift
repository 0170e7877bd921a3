import Foundation

extension CPUBackend {
    public func add(_ a: Tensor, _ b: Tensor) -> Tensor { broadcast(a, b, +) }

    public func multiply(_ a: Tensor, _ b: Tensor) -> Tensor { broadcast(a, b, *) }

    public func linearCombination(_ terms: [(Float, Tensor)]) -> Tensor {
        guard let shape = terms.first?.1.shape else { preconditionFailure("linearCombination of no terms") }
        precondition(terms.allSatisfy { $0.1.shape == shape }, "linearCombination of \(terms.map(\.1.shape))")
        let out = allocate(shape)
        let dst = floats(out)
        let sources = terms.map { (coefficient: $0.0, values: floats($0.1)) }
        Parallel.forEachChunk(out.elementCount) { range in
            for i in range {
                var sum: Float = 0
                for term in sources { sum += term.coefficient * term.values[i] }
                dst[i] = sum
            }
        }
        return out
    }

    public func clamp(_ x: Tensor, min lower: Float, max upper: Float) -> Tensor {
        map(x) { Swift.min(Swift.max($0, lower), upper) }
    }

    public func exp(_ x: Tensor) -> Tensor { map(x) { Foundation.exp($0) } }

    /// `a op b` with `b` broadcast to `a`'s shape (aligned right, each dimension equal or 1).
    private func broadcast(_ a: Tensor, _ b: Tensor, _ op: @escaping (Float, Float) -> Float) -> Tensor {
        precondition(b.rank <= a.rank, "cannot broadcast \(b) to \(a)")
        let bShape = [Int](repeating: 1, count: a.rank - b.rank) + b.shape
        precondition(
            zip(a.shape, bShape).allSatisfy { $0 == $1 || $1 == 1 }, "cannot broadcast \(b.shape) to \(a.shape)")
        let out = allocate(a.shape)
        let (pa, pb, dst) = (floats(a), floats(b), floats(out))
        // Strides of b in a's index space (0 along broadcast dimensions).
        var bStrides = [Int](repeating: 0, count: a.rank)
        var running = 1
        for axis in stride(from: a.rank - 1, through: 0, by: -1) {
            bStrides[axis] = bShape[axis] == 1 ? 0 : running
            running *= bShape[axis]
        }
        let inner = a.shape.last ?? 1
        let innerStride = bStrides.last ?? 0
        let outer = Array(a.shape.dropLast())
        let rows = outer.reduce(1, *)
        Parallel.forEachChunk(rows, grain: max(1, 16_384 / max(inner, 1))) { range in
            for row in range {
                var remainder = row
                var base = 0
                for axis in stride(from: outer.count - 1, through: 0, by: -1) {
                    base += (remainder % outer[axis]) * bStrides[axis]
                    remainder /= outer[axis]
                }
                let (x, y) = (pa + row * inner, dst + row * inner)
                for i in 0..<inner { y[i] = op(x[i], pb[base + i * innerStride]) }
            }
        }
        return out
    }
}
