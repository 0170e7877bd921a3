import CBLAS

extension CPUBackend {
    public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul needs matrices, got \(a) and \(b)")
        let (aRows, aColumns) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (bRows, bColumns) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let (m, k) = transposeA ? (aColumns, aRows) : (aRows, aColumns)
        let (kB, n) = transposeB ? (bColumns, bRows) : (bRows, bColumns)
        precondition(k == kB, "matmul inner dimensions differ: \(a) · \(b)")
        let batchShape = Array(a.shape.dropLast(2))
        let batch = batchShape.reduce(1, *)
        let sharedB = b.rank == 2
        precondition(sharedB || Array(b.shape.dropLast(2)) == batchShape, "matmul batch shapes differ: \(a) · \(b)")
        let out = allocate(batchShape + [m, n])
        let (pa, pb, pc) = (floats(a), floats(b), floats(out))
        for i in 0..<batch {
            gemm(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                a: pa + i * m * k, lda: aColumns, b: pb + (sharedB ? 0 : i * k * n), ldb: bColumns,
                c: pc + i * m * n, ldc: n, beta: 0)
        }
        return out
    }

    public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(weight.rank == 2 && x.shape.last == weight.shape[1], "linear: \(x) · \(weight)ᵀ")
        let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
        let rows = x.elementCount / max(inFeatures, 1)
        let out = allocate(Array(x.shape.dropLast()) + [outFeatures])
        let pc = floats(out)
        let beta: Float = bias == nil ? 0 : 1
        if let bias {
            precondition(bias.shape == [outFeatures], "linear bias \(bias) for \(weight)")
            broadcastRows(floats(bias), width: outFeatures, rows: rows, into: pc)
        }
        gemm(
            transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
            a: floats(x), lda: inFeatures, b: floats(weight), ldb: inFeatures, c: pc, ldc: outFeatures, beta: beta)
        return out
    }

    /// C = op(A)·op(B) + β·C, row-major, through BLAS.
    func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float, alpha: Float = 1
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            if beta == 0 { for row in 0..<m { (c + row * ldc).update(repeating: 0, count: n) } }
            return
        }
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Writes `row` into each of `rows` consecutive rows of `width` (the starting value of a GEMM with bias).
    func broadcastRows(_ row: UnsafePointer<Float>, width: Int, rows: Int, into destination: UnsafeMutablePointer<Float>) {
        Parallel.forEachChunk(rows, grain: max(1, 16_384 / max(width, 1))) { range in
            for r in range { (destination + r * width).update(from: row, count: width) }
        }
    }
}
