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

        // Two passes in double precision (mean, then squared deviations) so that large means do not cancel.
        var scales = [Float](repeating: 0, count: samples * channels)
        var shifts = [Float](repeating: 0, count: samples * channels)
        for sample in 0..<samples {
            let base = src + sample * positions * channels
            let means = channelSums(base, positions: positions, channels: channels, center: nil)
                .groupTotals(perGroup).map { $0 / Double(positions * perGroup) }
            let variances = channelSums(base, positions: positions, channels: channels, center: (means, perGroup))
                .groupTotals(perGroup).map { $0 / Double(positions * perGroup) }
            for c in 0..<channels {
                let g = c / perGroup
                let inverse = 1 / (variances[g] + Double(eps)).squareRoot()
                scales[sample * channels + c] = Float(inverse * Double(gamma[c]))
                shifts[sample * channels + c] = Float(Double(beta[c]) - means[g] * inverse * Double(gamma[c]))
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

    /// Per-channel sums over `positions` rows of `channels` values (of `(x − mean of its group)²` when centred),
    /// accumulated in double per thread and then combined.
    private func channelSums(
        _ x: UnsafeMutablePointer<Float>, positions: Int, channels: Int, center: ([Double], Int)?
    ) -> [Double] {
        let parts = max(1, min(Parallel.workerCount, positions * channels / 65_536))
        var partials = [[Double]](repeating: [Double](repeating: 0, count: channels), count: parts)
        partials.withUnsafeMutableBufferPointer { partial in
            let partialBase = partial.baseAddress!
            Parallel.forEachChunk(parts, grain: 1) { range in
                for part in range {
                    var sums = [Double](repeating: 0, count: channels)
                    for position in (part * positions / parts)..<((part + 1) * positions / parts) {
                        let row = x + position * channels
                        if let (means, perGroup) = center {
                            for c in 0..<channels {
                                let d = Double(row[c]) - means[c / perGroup]
                                sums[c] += d * d
                            }
                        } else {
                            for c in 0..<channels { sums[c] += Double(row[c]) }
                        }
                    }
                    partialBase[part] = sums
                }
            }
        }
        var total = [Double](repeating: 0, count: channels)
        for sums in partials { for c in 0..<channels { total[c] += sums[c] } }
        return total
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

extension Array where Element == Double {
    /// Sums consecutive runs of `size` elements.
    fileprivate func groupTotals(_ size: Int) -> [Double] {
        stride(from: 0, to: count, by: size).map { self[$0..<($0 + size)].reduce(0, +) }
    }
}
