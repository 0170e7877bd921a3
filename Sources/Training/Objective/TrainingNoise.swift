import Tensors

/// The noise settings of sd-scripts' training step (`train_network.py`, `library/custom_train_functions.py`).
public struct NoiseSettings: Hashable, Sendable {
    /// `noise_offset`: adds `offset · N(0, 1)` per sample and channel (Guttenberg's offset noise).
    public var offset: Float = 0
    /// `multires_noise_iterations` and `multires_noise_discount`: pyramid noise.
    public var multiresIterations: Int = 0
    public var multiresDiscount: Float = 0.3
    /// `ip_noise_gamma`: input perturbation; the noisy latents see `ε + γ·N(0, 1)`, the target stays `ε`.
    public var inputPerturbation: Float = 0

    public init() {}
}

/// Draws the random parts of a training step from counter-based Philox streams, so that a step's noise depends
/// only on (seed, step, micro-batch) and a resumed run draws what an uninterrupted one would.
public struct TrainingNoise {
    public let settings: NoiseSettings
    public let trainTimesteps: Int

    public init(settings: NoiseSettings, trainTimesteps: Int) {
        self.settings = settings
        self.trainTimesteps = trainTimesteps
    }

    static let seedSalt: UInt64 = 0x6E6F_6973_655F_7472  // "noise_tr"

    /// What one micro-batch needs, on the host in NHWC order.
    public struct Draw {
        public var timesteps: [Int]
        /// The target's noise ε.
        public var noise: [Float]
        /// With input perturbation, the noise that goes into the noisy latents instead of ε (ε + γ·N).
        public var perturbedNoise: [Float]?

        public init(timesteps: [Int], noise: [Float], perturbedNoise: [Float]? = nil) {
            (self.timesteps, self.noise, self.perturbedNoise) = (timesteps, noise, perturbedNoise)
        }
    }

    /// The draws of micro-batch `index` (a running count over the whole run) for latents of `shape` `[B, h, w, C]`.
    public func draw(shape: [Int], seed: UInt64, index: UInt64) -> Draw {
        precondition(shape.count == 4, "latents are [B, h, w, C], got \(shape)")
        // The salt keeps these draws apart from other users of the run's seed (dropout, sampling).
        var stream = PhiloxStreamReader(
            seed: seed ^ Self.seedSalt, stream: UInt32(truncatingIfNeeded: index), offset: (index >> 32) << 40)
        let (batch, height, width, channels) = (shape[0], shape[1], shape[2], shape[3])
        // torch.randint(0, T, (B,)): uniform integers.
        let timesteps = stream.uniforms(batch).map { min(Int($0 * Float(trainTimesteps)), trainTimesteps - 1) }
        var noise = stream.normals(batch * height * width * channels)
        if settings.offset != 0 {
            let offsets = stream.normals(batch * channels)
            for b in 0..<batch {
                for pixel in 0..<(height * width) {
                    for c in 0..<channels {
                        noise[(b * height * width + pixel) * channels + c] +=
                            settings.offset * offsets[b * channels + c]
                    }
                }
            }
        }
        if settings.multiresIterations > 0 {
            noise = PyramidNoise.added(
                to: noise, shape: shape, iterations: settings.multiresIterations,
                discount: settings.multiresDiscount, stream: &stream)
        }
        var perturbed: [Float]?
        if settings.inputPerturbation != 0 {
            let perturbation = stream.normals(noise.count)
            perturbed = zip(noise, perturbation).map { $0 + settings.inputPerturbation * $1 }
        }
        return Draw(timesteps: timesteps, noise: noise, perturbedNoise: perturbed)
    }
}

/// Sequential host-side draws from one Philox stream.
struct PhiloxStreamReader {
    let seed: UInt64
    let stream: UInt32
    var offset: UInt64

    init(seed: UInt64, stream: UInt32, offset: UInt64) {
        (self.seed, self.stream, self.offset) = (seed, stream, offset)
    }

    mutating func normals(_ count: Int) -> [Float] { draw(count, Philox.fillNormal) }
    mutating func uniforms(_ count: Int) -> [Float] { draw(count, Philox.fillUniform) }

    private mutating func draw(
        _ count: Int, _ fill: (UnsafeMutableBufferPointer<Float>, UInt64, UInt32, UInt64) -> Void
    ) -> [Float] {
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(buffer, seed, stream, offset)
            initialized = count
        }
        offset &+= (UInt64(count) + 3) / 4 * 4
        return values
    }
}
