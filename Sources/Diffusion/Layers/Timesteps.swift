import Foundation

/// diffusers `Timesteps` (`models/embeddings.py`, `get_timestep_embedding` with scale 1 and max period 10000):
/// `[sin(t·fₖ), cos(t·fₖ)]` with `fₖ = exp(−ln(10000)·k / (half − shift))`, cosines first when `flipSinToCos`.
///
/// Computed on the host in the same f32 steps as PyTorch (the host values are tiny: one row per timestep), then
/// uploaded by the caller.
public struct Timesteps: Sendable {
    public let channels: Int
    public let flipSinToCos: Bool
    public let downscaleFreqShift: Float

    public init(channels: Int, flipSinToCos: Bool, downscaleFreqShift: Float) {
        self.channels = channels
        self.flipSinToCos = flipSinToCos
        self.downscaleFreqShift = downscaleFreqShift
    }

    /// One row of `channels` values per timestep, row-major `[timesteps.count, channels]`.
    public func callAsFunction(_ timesteps: [Float]) -> [Float] {
        let half = channels / 2
        // PyTorch: exponent = (−ln 10000 · arange(half)) / (half − shift), all in f32.
        let frequencies = (0..<half).map { k -> Float in
            Foundation.exp(Float(-log(10000.0)) * Float(k) / (Float(half) - downscaleFreqShift))
        }
        var out = [Float](repeating: 0, count: timesteps.count * channels)
        for (row, t) in timesteps.enumerated() {
            let base = row * channels
            // An odd width leaves the last column zero (PyTorch pads it).
            let (sinOffset, cosOffset) = flipSinToCos ? (half, 0) : (0, half)
            for (k, frequency) in frequencies.enumerated() {
                let argument = t * frequency
                out[base + sinOffset + k] = Foundation.sin(argument)
                out[base + cosOffset + k] = Foundation.cos(argument)
            }
        }
        return out
    }
}
