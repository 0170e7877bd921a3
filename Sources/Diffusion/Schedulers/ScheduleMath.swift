import Foundation

/// The NumPy and PyTorch primitives that diffusers builds its schedules from, with their rounding: a schedule is
/// only "the same" if timesteps round the same way and sigmas are interpolated in the same precision.
enum ScheduleMath {
    /// `torch.linspace(start, end, count, dtype=torch.float32)`: the step is computed in float32 and the second
    /// half is counted back from `end` (ATen's `linspace` kernel). Torch's vectorised path differs from this
    /// scalar form by at most one ulp on some elements, which moves a schedule's sigmas by ≤ 3e-7 relative.
    static func torchLinspace(_ start: Double, _ end: Double, count: Int) -> [Float] {
        let (first, last) = (Float(start), Float(end))
        guard count > 1 else { return count == 1 ? [first] : [] }
        let step = (last - first) / Float(count - 1)
        let halfway = count / 2
        return (0..<count).map { i in
            i < halfway ? first + step * Float(i) : last - step * Float(count - i - 1)
        }
    }

    /// `np.linspace(start, stop, count)` in float64: `i·step + start`, with the endpoint stored exactly.
    static func numpyLinspace(_ start: Double, _ stop: Double, count: Int) -> [Double] {
        guard count > 1 else { return count == 1 ? [start] : [] }
        let step = (stop - start) / Double(count - 1)
        var values = (0..<count).map { Double($0) * step + start }
        values[count - 1] = stop
        return values
    }

    /// `np.arange(start, stop, step)` for a float step: `ceil((stop − start)/step)` values `start + i·δ` with
    /// `δ = (start + step) − start` (NumPy fills from the first two elements).
    static func numpyArange(_ start: Double, _ stop: Double, step: Double) -> [Double] {
        let length = Int(((stop - start) / step).rounded(.up))
        guard length > 0 else { return [] }
        let delta = (start + step) - start
        return (0..<length).map { i in
            i == 0 ? start : i == 1 ? start + step : start + Double(i) * delta
        }
    }

    /// NumPy's `round`: half to even.
    static func round(_ x: Double) -> Double { x.rounded(.toNearestOrEven) }

    /// `np.interp(x, np.arange(len(values)), values)` in float64, clamped to the end values outside the range.
    static func interpolate(_ x: Double, in values: [Float]) -> Double {
        let last = values.count - 1
        if x <= 0 { return Double(values[0]) }
        if x >= Double(last) { return Double(values[last]) }
        let j = Int(x.rounded(.down))
        if Double(j) == x { return Double(values[j]) }
        let slope = Double(values[j + 1]) - Double(values[j])
        return slope * (x - Double(j)) + Double(values[j])
    }

    /// diffusers' `_sigma_to_t`: the fractional training timestep whose log-sigma is `log(sigma)`, interpolating
    /// linearly in `logSigmas` (float32, ascending with the timestep). `low − high` is a float32 difference there.
    static func timestep(forSigma sigma: Double, logSigmas: [Float]) -> Double {
        let logSigma = Foundation.log(max(sigma, 1e-10))
        // argmax of the cumulative count of `logSigma − logSigmas[i] ≥ 0`: the last such index, or 0 if none.
        let lastAtOrBelow = logSigmas.lastIndex { logSigma - Double($0) >= 0 } ?? 0
        let lowIndex = min(lastAtOrBelow, logSigmas.count - 2)
        let (low, high) = (logSigmas[lowIndex], logSigmas[lowIndex + 1])
        let w = min(max((Double(low) - logSigma) / Double(low - high), 0), 1)
        return (1 - w) * Double(lowIndex) + w * Double(lowIndex + 1)
    }

    /// Karras et al. (2022) noise levels, ρ = 7, from `sigmaMax` down to `sigmaMin` (diffusers `_convert_to_karras`).
    static func karrasSigmas(sigmaMin: Double, sigmaMax: Double, count: Int) -> [Double] {
        let rho = 7.0
        let minInverse = Foundation.pow(sigmaMin, 1 / rho)
        let maxInverse = Foundation.pow(sigmaMax, 1 / rho)
        return numpyLinspace(0, 1, count: count).map { ramp in
            Foundation.pow(maxInverse + ramp * (minInverse - maxInverse), rho)
        }
    }
}
