extension CPUBackend {
    /// Bytes of im2col buffer per chunk of output pixels: large enough for efficient GEMMs, small enough that a
    /// full-size VAE decode at 1024² does not need gigabytes.
    static let im2colChunkBytes = 64 << 20

    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Padding2D) -> Tensor {
        precondition(x.rank == 4 && weight.rank == 4, "conv2d expects NHWC input and OHWI weight, got \(x), \(weight)")
        let geometry = ConvolutionGeometry(
            input: x.shape, kernelHeight: weight.shape[1], kernelWidth: weight.shape[2], stride: stride,
            padding: padding)
        let (inChannels, outChannels) = (geometry.inChannels, weight.shape[0])
        precondition(weight.shape[3] == inChannels, "conv2d: \(weight) for \(inChannels) input channels")

        let out = allocate([geometry.batch, geometry.outHeight, geometry.outWidth, outChannels])
        let (pixels, patch) = (geometry.outPixels, geometry.patch)
        let (source, kernel, destination) = (floats(x), floats(weight), floats(out))
        let beta: Float = bias == nil ? 0 : 1
        if let bias {
            precondition(bias.shape == [outChannels], "conv2d bias \(bias) for \(outChannels) channels")
            broadcastRows(floats(bias), width: outChannels, rows: pixels, into: destination)
        }

        if geometry.isPointwise {
            gemm(
                transposeA: false, transposeB: true, m: pixels, n: outChannels, k: inChannels,
                a: source, lda: inChannels, b: kernel, ldb: inChannels, c: destination, ldc: outChannels, beta: beta)
            return out
        }

        let chunk = geometry.pixelsPerChunk(bytes: Self.im2colChunkBytes)
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: chunk * patch)
        defer { columns.deallocate() }
        for start in Swift.stride(from: 0, to: pixels, by: chunk) {
            let count = min(chunk, pixels - start)
            geometry.im2col(source, pixels: start..<(start + count), into: columns)
            gemm(
                transposeA: false, transposeB: true, m: count, n: outChannels, k: patch,
                a: columns, lda: patch, b: kernel, ldb: patch, c: destination + start * outChannels,
                ldc: outChannels, beta: beta)
        }
        return out
    }
}
