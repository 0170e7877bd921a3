extension CPUBackend {
    // Per batch entry and head, with S = s·Q·Kᵀ (s = D^-1/2), P = softmax(S) (masked keys 0) and O = P·V:
    //   dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ∘ (dP − rowsum(P ∘ dP)), dQ = s·dS·K, dK = s·dSᵀ·Q.
    // P is recomputed for chunks of queries as in the forward; dK and dV add the chunks' terms in chunk order.

    public func attentionBackward(
        _ gradOutput: Tensor, query: Tensor, key: Tensor, value: Tensor, heads: Int, causal: Bool
    ) -> (query: Tensor, key: Tensor, value: Tensor) {
        attentionBackward(
            gradOutput, query: query, key: key, value: value, heads: heads, causal: causal,
            chunkBytes: Self.attentionChunkBytes)
    }

    /// `attentionBackward` with score buffers of at most `chunkBytes` each (at least one query row); tests use small
    /// chunks to cover the accumulation across chunks.
    func attentionBackward(
        _ gradOutput: Tensor, query: Tensor, key: Tensor, value: Tensor, heads: Int, causal: Bool, chunkBytes: Int
    ) -> (query: Tensor, key: Tensor, value: Tensor) {
        precondition(
            query.rank == 3 && key.rank == 3 && value.shape == key.shape && gradOutput.shape == query.shape,
            "attentionBackward \(gradOutput), \(query), \(key), \(value)")
        let (batch, queries, width) = (query.shape[0], query.shape[1], query.shape[2])
        let keys = key.shape[1]
        precondition(
            key.shape[0] == batch && key.shape[2] == width && heads > 0 && width % heads == 0,
            "attentionBackward \(query), \(key) with \(heads) heads")
        let headWidth = width / heads
        let scale = 1 / Float(headWidth).squareRoot()
        let (queryGradient, keyGradient, valueGradient) = (allocate(query.shape), allocate(key.shape), allocate(key.shape))
        let (q, k, v, dO) = (floats(query), floats(key), floats(value), floats(gradOutput))
        let (dq, dk, dv) = (floats(queryGradient), floats(keyGradient), floats(valueGradient))
        if queries == 0 {
            dk.initialize(repeating: 0, count: keyGradient.elementCount)
            dv.initialize(repeating: 0, count: valueGradient.elementCount)
        }

        let chunk = max(1, min(queries, chunkBytes / (4 * max(keys, 1))))
        let probabilities = UnsafeMutablePointer<Float>.allocate(capacity: chunk * keys)
        let scoreGradients = UnsafeMutablePointer<Float>.allocate(capacity: chunk * keys)
        defer {
            probabilities.deallocate()
            scoreGradients.deallocate()
        }
        for b in 0..<batch {
            for h in 0..<heads {
                let queryOffset = b * queries * width + h * headWidth
                let keyOffset = b * keys * width + h * headWidth
                for start in stride(from: 0, to: queries, by: chunk) {
                    let rows = min(chunk, queries - start)
                    let queryRows = queryOffset + start * width
                    let accumulate: Float = start == 0 ? 0 : 1
                    gemm(
                        transposeA: false, transposeB: true, m: rows, n: keys, k: headWidth,
                        a: q + queryRows, lda: width, b: k + keyOffset, ldb: width, c: probabilities, ldc: keys,
                        beta: 0, alpha: scale)
                    gemm(
                        transposeA: false, transposeB: true, m: rows, n: keys, k: headWidth,
                        a: dO + queryRows, lda: width, b: v + keyOffset, ldb: width, c: scoreGradients, ldc: keys,
                        beta: 0)
                    Parallel.forEachChunk(rows, grain: max(1, 8192 / max(keys, 1))) { range in
                        for row in range {
                            let (p, dS) = (probabilities + row * keys, scoreGradients + row * keys)
                            softmaxRow(p, visible: causal ? min(keys, start + row + 1) : keys, length: keys)
                            var dot = 0.0
                            for j in 0..<keys { dot += Double(p[j]) * Double(dS[j]) }
                            for j in 0..<keys { dS[j] = Float(Double(p[j]) * (Double(dS[j]) - dot)) }
                        }
                    }
                    gemm(
                        transposeA: true, transposeB: false, m: keys, n: headWidth, k: rows,
                        a: probabilities, lda: keys, b: dO + queryRows, ldb: width, c: dv + keyOffset, ldc: width,
                        beta: accumulate)
                    gemm(
                        transposeA: false, transposeB: false, m: rows, n: headWidth, k: keys,
                        a: scoreGradients, lda: keys, b: k + keyOffset, ldb: width, c: dq + queryRows, ldc: width,
                        beta: 0, alpha: scale)
                    gemm(
                        transposeA: true, transposeB: false, m: keys, n: headWidth, k: rows,
                        a: scoreGradients, lda: keys, b: q + queryRows, ldb: width, c: dk + keyOffset, ldc: width,
                        beta: accumulate, alpha: scale)
                }
            }
        }
        return (queryGradient, keyGradient, valueGradient)
    }
}
