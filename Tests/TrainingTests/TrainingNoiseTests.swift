import Testing

@testable import Training

/// The random parts of a step (sd-scripts' `noise_offset`, `multires_noise_iterations`, `ip_noise_gamma`): keyed by
/// (seed, micro-batch), shaped as sd-scripts shapes them.
struct TrainingNoiseTests {
    let shape = [2, 6, 5, 4]

    func draw(_ configure: (inout NoiseSettings) -> Void = { _ in }, index: UInt64 = 0) -> TrainingNoise.Draw {
        var settings = NoiseSettings()
        configure(&settings)
        return TrainingNoise(settings: settings, trainTimesteps: 1000).draw(shape: shape, seed: 9, index: index)
    }

    @Test func drawsDependOnlyOnSeedAndMicroBatch() {
        let first = draw()
        #expect(first.noise == draw().noise && first.timesteps == draw().timesteps)
        #expect(first.noise != draw(index: 1).noise)
        #expect(first.timesteps.allSatisfy { (0..<1000).contains($0) })
        #expect(first.perturbedNoise == nil)
    }

    /// `noise += offset · N(0, 1)` of shape [B, C, 1, 1]: one shift per sample and channel.
    @Test func noiseOffsetShiftsEachSampleAndChannel() {
        let plain = draw()
        let offset = draw { $0.offset = 0.1 }
        let (batch, pixels, channels) = (shape[0], shape[1] * shape[2], shape[3])
        for b in 0..<batch {
            for c in 0..<channels {
                let shifts = (0..<pixels).map { pixel in
                    let index = (b * pixels + pixel) * channels + c
                    return offset.noise[index] - plain.noise[index]
                }
                #expect(shifts.allSatisfy { abs($0 - shifts[0]) < 1e-6 })
                #expect(abs(shifts[0]) < 0.5)
            }
        }
    }

    @Test func inputPerturbationLeavesTheTargetNoise() throws {
        let plain = draw()
        let perturbed = draw { $0.inputPerturbation = 0.1 }
        #expect(perturbed.noise == plain.noise)
        let input = try #require(perturbed.perturbedNoise)
        let differences = zip(input, plain.noise).map { ($0 - $1) / 0.1 }
        let variance = differences.map { $0 * $0 }.reduce(0, +) / Float(differences.count)
        #expect(abs(variance - 1) < 0.35, "the perturbation is 0.1 · N(0, 1)")
    }

    /// Pyramid noise is rescaled to unit standard deviation (torch's unbiased `std`).
    @Test func multiresNoiseHasUnitStandardDeviation() {
        let noise = draw {
            $0.multiresIterations = 6
            $0.multiresDiscount = 0.3
        }.noise
        let mean = noise.reduce(0, +) / Float(noise.count)
        let variance = noise.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(noise.count - 1)
        #expect(abs(variance - 1) < 1e-4)
        #expect(noise != draw().noise)
    }

    /// PyTorch's `F.interpolate(mode="bilinear")` (align_corners False), values from torch 2.13.
    @Test func bilinearMatchesPyTorch() {
        let square = PyramidNoise.bilinear([0, 1, 2, 3], batch: 1, from: (2, 2), to: (4, 4), channels: 1)
        #expect(square == [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3])
        let oblong = PyramidNoise.bilinear([0, 1, 2, 3, 4, 5], batch: 1, from: (2, 3), to: (5, 4), channels: 1)
        let expected: [Float] = [
            0, 0.625, 1.375, 2, 0.3, 0.925, 1.675, 2.3, 1.5, 2.125, 2.875, 3.5, 2.7, 3.325, 4.075, 4.7, 3, 3.625, 4.375,
            5,
        ]
        #expect(zip(oblong, expected).allSatisfy { abs($0 - $1) < 1e-5 })
    }
}
