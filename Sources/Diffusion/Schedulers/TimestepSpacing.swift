/// How `set_timesteps` places the inference timesteps among the training ones (Lin et al. 2023, table 2).
enum TimestepSpacing: String {
    case linspace, leading, trailing

    init(_ name: String) throws {
        guard let spacing = TimestepSpacing(rawValue: name) else {
            throw SchedulerError.unsupported("timestep_spacing", name)
        }
        self = spacing
    }

    /// The timesteps of the Euler schedulers (descending, fractional for "linspace"), in float64 before diffusers'
    /// cast to float32. "trailing" keeps NumPy's `arange` length, which is `steps + 1` for a few step counts.
    func timesteps(steps: Int, trainTimesteps: Int, stepsOffset: Int) throws -> [Double] {
        guard steps > 0 else { throw SchedulerError.invalid("steps", "\(steps) is not positive") }
        switch self {
        case .linspace:
            return ScheduleMath.numpyLinspace(0, Double(trainTimesteps - 1), count: steps).map { Double(Float($0)) }
                .reversed()
        case .leading:
            let ratio = trainTimesteps / steps
            return (0..<steps).reversed().map { Double($0 * ratio + stepsOffset) }
        case .trailing:
            let ratio = Double(trainTimesteps) / Double(steps)
            return ScheduleMath.numpyArange(Double(trainTimesteps), 0, step: -ratio).map { ScheduleMath.round($0) - 1 }
        }
    }

    /// `init_noise_sigma` of the Euler schedulers: σ_max for "linspace" and "trailing", else √(σ_max² + 1).
    func initNoiseSigma(maxSigma: Float) -> Float {
        switch self {
        case .linspace, .trailing: maxSigma
        case .leading: (maxSigma * maxSigma + 1).squareRoot()
        }
    }
}
