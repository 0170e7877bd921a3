import Foundation

extension CPUBackend {
    /// Bytes of attention scores held at once (a query chunk × all keys).
    static let attentionChunkBytes = 32 << 20

    public func attention(query: Tensor, key: Tensor, value: Tensor, heads: Int, causal: Bool) -> Tensor {
        precondition(query.rank == 3 && key.rank == 3 && value.shape == key.shape, "attention \(query), \(key), \(value)")
        let (batch, queries, width) = (query.shape[0], query.shape[1], query.shape[2])
        let keys = key.shape[1]
        precondition(key.shape[0] == batch && key.shape[2] == width && width % heads == 0, "attention \(query), \(key)")
        let headWidth = width / heads
        let scale = 1 / Float(headWidth).squareRoot()
        let out = allocate(query.shape)
        let (q, k, v, o) = (floats(query), floats(key), floats(value), floats(out))

        let chunk = max(1, min(queries, Self.attentionChunkBytes / (4 * max(keys, 1))))
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: chunk * keys)
        defer { scores.deallocate() }
        for b in 0..<batch {
            for h in 0..<heads {
                let offset = h * headWidth
                let (qBase, kBase, vBase, oBase) = (
                    q + b * queries * width + offset, k + b * keys * width + offset,
                    v + b * keys * width + offset, o + b * queries * width + offset
                )
                for start in stride(from: 0, to: queries, by: chunk) {
                    let rows = min(chunk, queries - start)
                    gemm(
                        transposeA: false, transposeB: true, m: rows, n: keys, k: headWidth,
                        a: qBase + start * width, lda: width, b: kBase, ldb: width, c: scores, ldc: keys,
                        beta: 0, alpha: scale)
                    Parallel.forEachChunk(rows, grain: max(1, 8192 / max(keys, 1))) { range in
                        for row in range {
                            let visible = causal ? min(keys, start + row + 1) : keys
                            softmaxRow(scores + row * keys, visible: visible, length: keys)
                        }
                    }
                    gemm(
                        transposeA: false, transposeB: false, m: rows, n: headWidth, k: keys,
                        a: scores, lda: keys, b: vBase, ldb: width, c: oBase + start * width, ldc: width, beta: 0)
                }
            }
        }
        return out
    }
}

/// Softmax over the first `visible` entries of a row; the rest (masked keys) become 0.
@inline(__always)
func softmaxRow(_ row: UnsafeMutablePointer<Float>, visible: Int, length: Int) {
    var maximum = -Float.infinity
    for j in 0..<visible { maximum = max(maximum, row[j]) }
    var sum: Float = 0
    for j in 0..<visible {
        let e = Foundation.exp(row[j] - maximum)
        row[j] = e
        sum += e
    }
    let inverse = 1 / sum
    for j in 0..<visible { row[j] *= inverse }
    for j in visible..<length { row[j] = 0 }
}
