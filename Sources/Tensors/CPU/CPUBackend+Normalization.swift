extension CPUBackend {
    public func groupNorm(
        _ x: Tensor, groups: Int, weight: Tensor, bias: Tensor, eps: Float, activation: Activation?
    ) -> Tensor {
        precondition(x.rank >= 2, "groupNorm expects [N, …, C], got \(x)")
        let channels = x.shape[x.rank - 1]
        precondition(groups > 0 && channels % groups == 0, "groupNorm: \(channels) channels in \(groups) groups")
        precondition(weight.shape == [channels] && bias.shape == [channels], "groupNorm affine \(weight), \(bias)")
        let samples = x.shape[0]
        let positions = x.elementCount / max(samples * channels, 1)
        let perGroup = channels / groups
        let out = allocate(x.shape)
        let (src, dst, gamma, beta) = (floats(x), floats(out), floats(weight), floats(bias))

        var scales = [Float](repeating: 0, count: samples * channels)
        var shifts = [Float](repeating: 0, count: samples * channels)
        for sample in 0..<samples {
            let statistics = groupStatistics(
                src + sample * positions * channels, positions: positions, channels: channels, groups: groups, eps: eps)
            for c in 0..<channels {
                let (mean, inverse) = (statistics.mean[c / perGroup], statistics.inverse[c / perGroup])
                scales[sample * channels + c] = Float(inverse * Double(gamma[c]))
                shifts[sample * channels + c] = Float(Double(beta[c]) - mean * inverse * Double(gamma[c]))
            }
        }
        scales.withUnsafeBufferPointer { scale in
            shifts.withUnsafeBufferPointer { shift in
                Parallel.forEachChunk(samples * positions, grain: max(1, 16_384 / channels)) { range in
                    for row in range {
                        let affine = (row / positions) * channels
                        let (input, output) = (src + row * channels, dst + row * channels)
                        for c in 0..<channels {
                            output[c] = applying(activation, to: input[c] * scale[affine + c] + shift[affine + c])
                        }
                    }
                }
            }
        }
        return out
    }

    /// The mean and 1/√(variance + eps) of each group of `channels / groups` consecutive channels of one sample
    /// `[positions, channels]`. Two passes in double (mean, then squared deviations) so that large means do not
    /// cancel, each summed over fixed blocks of rows so that the statistics are the same on every machine.
    func groupStatistics(
        _ x: UnsafePointer<Float>, positions: Int, channels: Int, groups: Int, eps: Float
    ) -> (mean: [Double], inverse: [Double]) {
        let perGroup = channels / groups
        let count = Double(positions * perGroup)
        let blockSize = Parallel.blockSize(items: positions, cost: channels)
        func groupTotals(_ perChannel: [Double]) -> [Double] {
            (0..<groups).map { perChannel[($0 * perGroup)..<(($0 + 1) * perGroup)].reduce(0, +) }
        }
        let mean = groupTotals(
            Parallel.blockedSums(count: positions, blockSize: blockSize, width: channels) { range, sums in
                for position in range { for c in 0..<channels { sums[c] += Double(x[position * channels + c]) } }
            }
        ).map { $0 / count }
        let variance = groupTotals(
            Parallel.blockedSums(count: positions, blockSize: blockSize, width: channels) { range, sums in
                for position in range {
                    for c in 0..<channels {
                        let d = Double(x[position * channels + c]) - mean[c / perGroup]
                        sums[c] += d * d
                    }
                }
            }
        ).map { $0 / count }
        return (mean, variance.map { 1 / ($0 + Double(eps)).squareRoot() })
    }

    public func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor?, eps: Float) -> Tensor {
        let width = x.shape.last ?? 0
        precondition(weight.shape == [width] && (bias == nil || bias!.shape == [width]), "layerNorm affine for \(x)")
        let rows = x.elementCount / max(width, 1)
        let out = allocate(x.shape)
        let (src, dst, gamma) = (floats(x), floats(out), floats(weight))
        let beta = bias.map(floats)
        Parallel.forEachChunk(rows, grain: max(1, 16_384 / max(width, 1))) { range in
            for row in range {
                let (input, output) = (src + row * width, dst + row * width)
                var sum = 0.0
                for i in 0..<width { sum += Double(input[i]) }
                let mean = sum / Double(width)
                var squares = 0.0
                for i in 0..<width {
                    let d = Double(input[i]) - mean
                    squares += d * d
                }
                let inverse = 1 / (squares / Double(width) + Double(eps)).squareRoot()
                for i in 0..<width {
                    let normalized = Float((Double(input[i]) - mean) * inverse)
                    output[i] = normalized * gamma[i] + (beta?[i] ?? 0)
                }
            }
        }
        return out
    }
}
