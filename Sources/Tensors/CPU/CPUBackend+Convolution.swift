extension CPUBackend {
    /// Bytes of im2col buffer per chunk of output pixels: large enough for efficient GEMMs, small enough that a
    /// full-size VAE decode at 1024² does not need gigabytes.
    static let im2colChunkBytes = 64 << 20

    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Padding2D) -> Tensor {
        precondition(x.rank == 4 && weight.rank == 4, "conv2d expects NHWC input and OHWI weight, got \(x), \(weight)")
        let (n, h, w, inChannels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outChannels, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2])
        precondition(weight.shape[3] == inChannels, "conv2d: \(weight) for \(inChannels) input channels")
        precondition(stride >= 1, "conv2d stride \(stride)")
        let outHeight = (h + padding.top + padding.bottom - kh) / stride + 1
        let outWidth = (w + padding.left + padding.right - kw) / stride + 1
        precondition(outHeight > 0 && outWidth > 0, "conv2d: kernel \(kh)×\(kw) larger than padded \(h)×\(w)")

        let out = allocate([n, outHeight, outWidth, outChannels])
        let pixels = n * outHeight * outWidth
        let patch = kh * kw * inChannels
        let (source, kernel, destination) = (floats(x), floats(weight), floats(out))
        let beta: Float = bias == nil ? 0 : 1
        if let bias {
            precondition(bias.shape == [outChannels], "conv2d bias \(bias) for \(outChannels) channels")
            broadcastRows(floats(bias), width: outChannels, rows: pixels, into: destination)
        }

        if kh == 1, kw == 1, stride == 1, padding == .zero {
            // A pointwise convolution is a matrix product over the pixels.
            gemm(
                transposeA: false, transposeB: true, m: pixels, n: outChannels, k: inChannels,
                a: source, lda: inChannels, b: kernel, ldb: inChannels, c: destination, ldc: outChannels, beta: beta)
            return out
        }

        let chunk = max(1, min(pixels, Self.im2colChunkBytes / (patch * 4)))
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: chunk * patch)
        defer { columns.deallocate() }
        for start in Swift.stride(from: 0, to: pixels, by: chunk) {
            let count = min(chunk, pixels - start)
            Parallel.forEachChunk(count, grain: max(1, 8192 / patch)) { range in
                for row in range {
                    let pixel = start + row
                    let (image, position) = pixel.quotientAndRemainder(dividingBy: outHeight * outWidth)
                    let (oy, ox) = position.quotientAndRemainder(dividingBy: outWidth)
                    var target = columns + row * patch
                    for ky in 0..<kh {
                        let iy = oy * stride - padding.top + ky
                        for kx in 0..<kw {
                            let ix = ox * stride - padding.left + kx
                            if iy >= 0, iy < h, ix >= 0, ix < w {
                                target.update(from: source + ((image * h + iy) * w + ix) * inChannels, count: inChannels)
                            } else {
                                target.update(repeating: 0, count: inChannels)
                            }
                            target += inChannels
                        }
                    }
                }
            }
            gemm(
                transposeA: false, transposeB: true, m: count, n: outChannels, k: patch,
                a: columns, lda: patch, b: kernel, ldb: patch, c: destination + start * outChannels,
                ldc: outChannels, beta: beta)
        }
        return out
    }
}
