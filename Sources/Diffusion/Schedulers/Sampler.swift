/// The samplers `lorad sample` and training previews offer, each one diffusers scheduler built with
/// `from_config(model's scheduler config)`.
public enum Sampler: String, CaseIterable, Sendable {
    /// `EulerDiscreteScheduler`.
    case euler
    /// `EulerAncestralDiscreteScheduler`.
    case eulerAncestral = "euler_a"
    /// `DDIMScheduler`, η = 0.
    case ddim
    /// `DPMSolverMultistepScheduler`, dpmsolver++, order 2.
    case dpmpp2M = "dpmpp_2m"
    /// The same on Karras sigmas (`use_karras_sigmas=True`).
    case dpmpp2MKarras = "dpmpp_2m_karras"

    /// The name AUTOMATIC1111 gives it, as written in a PNG's "parameters".
    public var displayName: String {
        switch self {
        case .euler: "Euler"
        case .eulerAncestral: "Euler a"
        case .ddim: "DDIM"
        case .dpmpp2M: "DPM++ 2M"
        case .dpmpp2MKarras: "DPM++ 2M Karras"
        }
    }

    /// The scheduler for `steps` steps. `noiseSeed` seeds the per-step noise of ancestral sampling
    /// (`PhiloxGenerator` stream 1); the other samplers are deterministic.
    public func makeScheduler(config: SchedulerConfig, steps: Int, noiseSeed: UInt64) throws -> any Scheduler {
        switch self {
        case .euler: try EulerDiscreteScheduler(config: config, steps: steps)
        case .eulerAncestral: try EulerAncestralDiscreteScheduler(config: config, steps: steps, noiseSeed: noiseSeed)
        case .ddim: try DDIMScheduler(config: config, steps: steps)
        case .dpmpp2M: try DPMSolverMultistepScheduler(config: config, steps: steps, karras: false)
        case .dpmpp2MKarras: try DPMSolverMultistepScheduler(config: config, steps: steps, karras: true)
        }
    }
}
