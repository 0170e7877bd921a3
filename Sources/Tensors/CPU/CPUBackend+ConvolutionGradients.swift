extension CPUBackend {
    public func conv2dBackwardInput(
        _ gradOutput: Tensor, weight: Tensor, inputShape: [Int], stride: Int, padding: Padding2D
    ) -> Tensor {
        conv2dBackwardInput(
            gradOutput, weight: weight, inputShape: inputShape, stride: stride, padding: padding,
            chunkBytes: Self.im2colChunkBytes)
    }

    /// `conv2dBackwardInput` with column buffers of at most `chunkBytes` (at least one output row); tests use small
    /// chunks to cover the accumulation across chunks.
    func conv2dBackwardInput(
        _ gradOutput: Tensor, weight: Tensor, inputShape: [Int], stride: Int, padding: Padding2D, chunkBytes: Int
    ) -> Tensor {
        precondition(weight.rank == 4, "conv2dBackwardInput expects an OHWI weight, got \(weight)")
        let geometry = ConvolutionGeometry(
            input: inputShape, kernelHeight: weight.shape[1], kernelWidth: weight.shape[2], stride: stride,
            padding: padding)
        let (inChannels, outChannels) = (geometry.inChannels, weight.shape[0])
        precondition(weight.shape[3] == inChannels, "conv2dBackwardInput: \(weight) for input \(inputShape)")
        precondition(
            gradOutput.shape == [geometry.batch, geometry.outHeight, geometry.outWidth, outChannels],
            "conv2dBackwardInput: gradient \(gradOutput) for input \(inputShape) and weight \(weight)")
        let out = allocate(inputShape)
        let (gradient, kernel, destination) = (floats(gradOutput), floats(weight), floats(out))
        let patch = geometry.patch

        if geometry.isPointwise {
            gemm(
                transposeA: false, transposeB: false, m: geometry.outPixels, n: inChannels, k: outChannels,
                a: gradient, lda: outChannels, b: kernel, ldb: inChannels, c: destination, ldc: inChannels, beta: 0)
            return out
        }

        // Column gradients (gradOutput · weight) for whole output rows at a time, then gathered into the input pixels
        // whose windows they cover: each input element adds its terms in a fixed order (chunk, ky, kx) and no two
        // threads write one element, so the result does not depend on thread timing.
        destination.initialize(repeating: 0, count: out.elementCount)
        let outRows = geometry.batch * geometry.outHeight
        let rowsPerChunk = max(1, min(outRows, chunkBytes / max(1, geometry.outWidth * patch * 4)))
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerChunk * geometry.outWidth * patch)
        defer { columns.deallocate() }
        for firstRow in Swift.stride(from: 0, to: outRows, by: rowsPerChunk) {
            let rows = firstRow..<min(outRows, firstRow + rowsPerChunk)
            gemm(
                transposeA: false, transposeB: false, m: rows.count * geometry.outWidth, n: patch, k: outChannels,
                a: gradient + firstRow * geometry.outWidth * outChannels, lda: outChannels, b: kernel, ldb: patch,
                c: columns, ldc: patch, beta: 0)
            col2im(columns, outputRows: rows, geometry: geometry, into: destination)
        }
        return out
    }

    /// Adds the column gradients of output rows `outputRows` (global rows over `[N, Ho]`) to the input gradient.
    private func col2im(
        _ columns: UnsafePointer<Float>, outputRows: Range<Int>, geometry g: ConvolutionGeometry,
        into destination: UnsafeMutablePointer<Float>
    ) {
        // The input rows that some window of these output rows covers, per image.
        var inputRows = [(image: Int, row: Int)]()
        for image in (outputRows.lowerBound / g.outHeight)...((outputRows.upperBound - 1) / g.outHeight) {
            let first = max(outputRows.lowerBound, image * g.outHeight) - image * g.outHeight
            let last = min(outputRows.upperBound, (image + 1) * g.outHeight) - 1 - image * g.outHeight
            let top = max(0, first * g.stride - g.padding.top)
            let bottom = min(g.height - 1, last * g.stride - g.padding.top + g.kernelHeight - 1)
            if top <= bottom { for iy in top...bottom { inputRows.append((image, iy)) } }
        }
        let (patch, channels) = (g.patch, g.inChannels)
        inputRows.withUnsafeBufferPointer { inputRows in
            Parallel.forEachChunk(inputRows.count, grain: max(1, 8192 / max(g.width * patch, 1))) { range in
                for (image, iy) in inputRows[range] {
                    for ky in 0..<g.kernelHeight {
                        let (oy, offset) = (iy + g.padding.top - ky).quotientAndRemainder(dividingBy: g.stride)
                        let outputRow = image * g.outHeight + oy
                        guard offset == 0, oy >= 0, oy < g.outHeight, outputRows.contains(outputRow) else { continue }
                        let sourceRow = columns + (outputRow - outputRows.lowerBound) * g.outWidth * patch
                        for ix in 0..<g.width {
                            let target = destination + ((image * g.height + iy) * g.width + ix) * channels
                            for kx in 0..<g.kernelWidth {
                                let (ox, offset) = (ix + g.padding.left - kx).quotientAndRemainder(dividingBy: g.stride)
                                guard offset == 0, ox >= 0, ox < g.outWidth else { continue }
                                let source = sourceRow + ox * patch + (ky * g.kernelWidth + kx) * channels
                                for c in 0..<channels { target[c] += source[c] }
                            }
                        }
                    }
                }
            }
        }
    }

    public func conv2dBackwardWeight(
        _ gradOutput: Tensor, input: Tensor, kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Padding2D
    ) -> Tensor {
        conv2dBackwardWeight(
            gradOutput, input: input, kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride,
            padding: padding, chunkBytes: Self.im2colChunkBytes)
    }

    /// `conv2dBackwardWeight` with im2col buffers of at most `chunkBytes` (at least one pixel).
    func conv2dBackwardWeight(
        _ gradOutput: Tensor, input: Tensor, kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Padding2D,
        chunkBytes: Int
    ) -> Tensor {
        let geometry = ConvolutionGeometry(
            input: input.shape, kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride, padding: padding)
        precondition(
            gradOutput.rank == 4
                && Array(gradOutput.shape.prefix(3)) == [geometry.batch, geometry.outHeight, geometry.outWidth],
            "conv2dBackwardWeight: gradient \(gradOutput) for input \(input), kernel \(kernelHeight)×\(kernelWidth)")
        let outChannels = gradOutput.shape[3]
        let (pixels, patch) = (geometry.outPixels, geometry.patch)
        let out = allocate([outChannels, kernelHeight, kernelWidth, geometry.inChannels])
        let (gradient, source, destination) = (floats(gradOutput), floats(input), floats(out))

        if geometry.isPointwise {
            gemm(
                transposeA: true, transposeB: false, m: outChannels, n: patch, k: pixels,
                a: gradient, lda: outChannels, b: source, ldb: patch, c: destination, ldc: patch, beta: 0)
            return out
        }

        // gradOutputᵀ · im2col(input), accumulated over chunks of pixels in a fixed order.
        let chunk = geometry.pixelsPerChunk(bytes: chunkBytes)
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: chunk * patch)
        defer { columns.deallocate() }
        if pixels == 0 { destination.initialize(repeating: 0, count: out.elementCount) }
        for start in Swift.stride(from: 0, to: pixels, by: chunk) {
            let count = min(chunk, pixels - start)
            geometry.im2col(source, pixels: start..<(start + count), into: columns)
            gemm(
                transposeA: true, transposeB: false, m: outChannels, n: patch, k: count,
                a: gradient + start * outChannels, lda: outChannels, b: columns, ldb: patch, c: destination,
                ldc: patch, beta: start == 0 ? 0 : 1)
        }
        return out
    }
}
