import Foundation

/// The training noise schedule shared by diffusers' schedulers (their common `__init__`): betas, then
/// ᾱ = cumprod(1 − β), in float32 as PyTorch computes them (the cumulative product accumulates in double, as
/// ATen's CPU `cumprod` does, and rounds each element to float32).
public struct NoiseSchedule: Sendable {
    /// ᾱₜ for t = 0 ..< trainTimesteps.
    public let alphasCumprod: [Float]

    public var trainTimesteps: Int { alphasCumprod.count }

    /// The schedule a scheduler builds from `config`, with diffusers' defaults (the same in every scheduler lorad
    /// implements): 1000 steps, "linear" betas from 0.0001 to 0.02. `zeroSNRFloor`: after a zero-terminal-SNR
    /// rescale, set ᾱ of the last step to 2⁻²⁴ so its sigma is finite (Euler, Euler ancestral and DPM-Solver do;
    /// DDIM keeps 0).
    public init(config: SchedulerConfig, zeroSNRFloor: Bool) throws {
        let count = config.numTrainTimesteps ?? 1000
        guard count >= 2 else { throw SchedulerError.invalid("num_train_timesteps", "\(count)") }
        let (start, end) = (config.betaStart ?? 0.0001, config.betaEnd ?? 0.02)
        var betas: [Float]
        if let trained = config.trainedBetas {
            guard trained.count == count else {
                throw SchedulerError.invalid("trained_betas", "\(trained.count) values for \(count) timesteps")
            }
            betas = trained.map { Float($0) }
        } else {
            switch config.betaSchedule ?? "linear" {
            case "linear":
                betas = ScheduleMath.torchLinspace(start, end, count: count)
            case "scaled_linear":
                betas = ScheduleMath.torchLinspace(start.squareRoot(), end.squareRoot(), count: count).map { $0 * $0 }
            case "squaredcos_cap_v2":
                betas = Self.cosineBetas(count: count)
            case let other:
                throw SchedulerError.unsupported("beta_schedule", other)
            }
        }
        let rescale = config.rescaleBetasZeroSnr ?? false
        if rescale { betas = Self.rescaledToZeroTerminalSNR(betas) }
        var alphasCumprod = Self.cumulativeProduct(betas.map { 1 - $0 })
        if rescale && zeroSNRFloor { alphasCumprod[count - 1] = 0x1p-24 }
        self.alphasCumprod = alphasCumprod
    }

    /// σₜ = √((1 − ᾱₜ)/ᾱₜ) for every training timestep, in float32.
    public var sigmas: [Float] { alphasCumprod.map { ((1 - $0) / $0).squareRoot() } }

    static func cumulativeProduct(_ values: [Float]) -> [Float] {
        var product = 1.0
        return values.map { value in
            product *= Double(value)
            return Float(product)
        }
    }

    /// `betas_for_alpha_bar` with the cosine ᾱ of Nichol & Dhariwal (GLIDE), computed in double, capped at 0.999.
    static func cosineBetas(count: Int) -> [Float] {
        func alphaBar(_ t: Double) -> Double {
            let c = Foundation.cos((t + 0.008) / 1.008 * Double.pi / 2)
            return c * c
        }
        return (0..<count).map { i in
            let (t1, t2) = (Double(i) / Double(count), Double(i + 1) / Double(count))
            return Float(min(1 - alphaBar(t2) / alphaBar(t1), 0.999))
        }
    }

    /// `rescale_zero_terminal_snr` (Lin et al. 2023, algorithm 1), in float32 as diffusers computes it.
    static func rescaledToZeroTerminalSNR(_ betas: [Float]) -> [Float] {
        var roots = cumulativeProduct(betas.map { 1 - $0 }).map { $0.squareRoot() }
        guard let first = roots.first, let last = roots.last else { return betas }
        let scale = first / (first - last)
        roots = roots.map { ($0 - last) * scale }
        let alphasBar = roots.map { $0 * $0 }
        return alphasBar.indices.map { i in 1 - (i == 0 ? alphasBar[0] : alphasBar[i] / alphasBar[i - 1]) }
    }
}
