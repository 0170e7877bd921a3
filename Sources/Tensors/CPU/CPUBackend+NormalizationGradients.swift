extension CPUBackend {
    // With x̂ the normalised input, z = γ·x̂ + β, y = act(z) and dz = dy·act′(z):
    //   dβ = Σ dz, dγ = Σ dz·x̂, dx = (1/σ)·(γ·dz − mean(γ·dz) − x̂·mean(γ·dz·x̂)),
    // the means and sums over the elements that share a statistic. Statistics and sums are in double and summed over
    // fixed blocks (`Parallel.blockedSums`), so results are bit-identical from run to run.

    public func groupNormBackward(
        _ gradOutput: Tensor, input: Tensor, groups: Int, weight: Tensor, bias: Tensor, eps: Float,
        activation: Activation?, parameterGradients: Bool
    ) -> NormalizationGradients {
        precondition(input.rank >= 2, "groupNormBackward expects [N, …, C], got \(input)")
        precondition(gradOutput.shape == input.shape, "groupNormBackward: gradient \(gradOutput) for input \(input)")
        let channels = input.shape[input.rank - 1]
        precondition(groups > 0 && channels % groups == 0, "groupNormBackward: \(channels) channels in \(groups) groups")
        precondition(
            weight.shape == [channels] && bias.shape == [channels], "groupNormBackward affine \(weight), \(bias)")
        let samples = input.shape[0]
        let positions = input.elementCount / max(samples * channels, 1)
        let perGroup = channels / groups
        let count = Double(positions * perGroup)
        let out = allocate(input.shape)
        let (source, gradient, destination) = (floats(input), floats(gradOutput), floats(out))
        let (weights, biases) = (floats(weight), floats(bias))
        let gamma = (0..<channels).map { Double(weights[$0]) }
        let beta = (0..<channels).map { Double(biases[$0]) }
        var weightGradient = [Double](repeating: 0, count: channels)
        var biasGradient = [Double](repeating: 0, count: channels)
        let blockSize = Parallel.blockSize(items: positions, cost: channels)

        for sample in 0..<samples {
            let (x, dy, dx) = (
                source + sample * positions * channels, gradient + sample * positions * channels,
                destination + sample * positions * channels
            )
            let statistics = groupStatistics(x, positions: positions, channels: channels, groups: groups, eps: eps)
            // Per-channel copies of per-group values, so that the inner loops need no division.
            func perChannel(_ perGroupValues: [Double]) -> [Double] {
                (0..<channels).map { perGroupValues[$0 / perGroup] }
            }
            let (mean, inverse) = (perChannel(statistics.mean), perChannel(statistics.inverse))
            // Per-group means of per-channel sums over the sample.
            func groupMeans(_ perChannelSums: [Double]) -> [Double] {
                (0..<groups).map { g in perChannelSums[(g * perGroup)..<((g + 1) * perGroup)].reduce(0, +) / count }
            }

            // Σ dz and Σ dz·x̂ per channel.
            let sums = Parallel.blockedSums(count: positions, blockSize: blockSize, width: 2 * channels) {
                range, partial in
                for p in range {
                    for c in 0..<channels {
                        let i = p * channels + c
                        let normalized = (Double(x[i]) - mean[c]) * inverse[c]
                        let dz = Double(dy[i]) * derivative(of: activation, at: normalized * gamma[c] + beta[c])
                        partial[c] += dz
                        partial[channels + c] += dz * normalized
                    }
                }
            }
            for c in 0..<channels {
                biasGradient[c] += sums[c]
                weightGradient[c] += sums[channels + c]
            }
            // mean(γ·dz) and mean(γ·dz·x̂) per group, copied per channel.
            let meanGradient = perChannel(groupMeans((0..<channels).map { gamma[$0] * sums[$0] }))
            let meanGradientProduct = perChannel(groupMeans((0..<channels).map { gamma[$0] * sums[channels + $0] }))
            Parallel.forEachChunk(positions, grain: max(1, 16_384 / max(channels, 1))) { range in
                for p in range {
                    for c in 0..<channels {
                        let i = p * channels + c
                        let normalized = (Double(x[i]) - mean[c]) * inverse[c]
                        let dz = Double(dy[i]) * derivative(of: activation, at: normalized * gamma[c] + beta[c])
                        dx[i] = Float(
                            inverse[c] * (gamma[c] * dz - meanGradient[c] - normalized * meanGradientProduct[c]))
                    }
                }
            }
        }
        guard parameterGradients else { return NormalizationGradients(input: out) }
        return NormalizationGradients(
            input: out, weight: upload(weightGradient.map(Float.init), shape: [channels]),
            bias: upload(biasGradient.map(Float.init), shape: [channels]))
    }

    public func layerNormBackward(
        _ gradOutput: Tensor, input: Tensor, weight: Tensor, bias: Tensor?, eps: Float, parameterGradients: Bool
    ) -> NormalizationGradients {
        let width = input.shape.last ?? 0
        precondition(
            weight.shape == [width] && (bias == nil || bias!.shape == [width]), "layerNormBackward affine for \(input)")
        precondition(gradOutput.shape == input.shape, "layerNormBackward: gradient \(gradOutput) for input \(input)")
        let rows = input.elementCount / max(width, 1)
        let out = allocate(input.shape)
        let (source, gradient, destination, gamma) = (floats(input), floats(gradOutput), floats(out), floats(weight))
        let blockSize = Parallel.blockSize(items: rows, cost: width)
        // Each block writes the input gradient of its rows and returns its rows' Σ dy·x̂ and Σ dy per channel.
        let sums = Parallel.blockedSums(count: rows, blockSize: blockSize, width: 2 * width) { range, partial in
            for row in range {
                let (x, dy, dx) = (source + row * width, gradient + row * width, destination + row * width)
                var total = 0.0
                for i in 0..<width { total += Double(x[i]) }
                let mean = total / Double(width)
                var squares = 0.0
                for i in 0..<width {
                    let d = Double(x[i]) - mean
                    squares += d * d
                }
                let inverse = 1 / (squares / Double(width) + Double(eps)).squareRoot()
                var (sumGradient, sumGradientProduct) = (0.0, 0.0)
                for i in 0..<width {
                    let (normalized, upstream) = ((Double(x[i]) - mean) * inverse, Double(dy[i]))
                    let scaled = upstream * Double(gamma[i])
                    sumGradient += scaled
                    sumGradientProduct += scaled * normalized
                    partial[i] += upstream * normalized
                    partial[width + i] += upstream
                }
                let (meanGradient, meanGradientProduct) = (sumGradient / Double(width), sumGradientProduct / Double(width))
                for i in 0..<width {
                    let normalized = (Double(x[i]) - mean) * inverse
                    dx[i] = Float(
                        inverse * (Double(dy[i]) * Double(gamma[i]) - meanGradient - normalized * meanGradientProduct))
                }
            }
        }
        guard parameterGradients else { return NormalizationGradients(input: out) }
        return NormalizationGradients(
            input: out, weight: upload(sums[..<width].map(Float.init), shape: [width]),
            bias: bias == nil ? nil : upload(sums[width...].map(Float.init), shape: [width]))
    }
}
