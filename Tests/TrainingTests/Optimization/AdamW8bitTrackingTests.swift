import Foundation
import Testing

@testable import Training

/// Over a long run the 8-bit moments stay close enough to the 32-bit ones that AdamW8bit follows AdamW.
@Suite struct AdamW8bitTrackingTests {
    @Test func tracksAdamWOverThreeHundredSteps() throws {
        // A quadratic bowl around targets of many magnitudes, with a deterministic noisy gradient.
        let count = 5000
        let magnitudes: [Float] = [1e-4, 1e-3, 1e-2, 1e-1, 1]
        let targets: [Float] = (0..<count).map { i in Float(sin(Double(i) * 0.37)) * magnitudes[i % 5] }
        func problem() -> (TrainableParameter, [ParameterGroup]) {
            let p = TrainableParameter(
                name: "w", shape: [count], value: (0..<count).map { 0.5 * Float(cos(Double($0))) })
            return (p, [ParameterGroup(name: "unet", parameters: [p], learningRate: 1e-2)])
        }
        let (full, fullGroups) = problem()
        let (quantised, quantisedGroups) = problem()
        // bnb decays after the update and torch before it; with no decay the two agree but for the 8-bit moments.
        let adam = try AdamW(weightDecay: 0)
        let adam8 = try AdamW8bit(weightDecay: 0)
        for step in 0..<300 {
            for p in [full, quantised] {
                p.gradient = (0..<count).map { i -> Float in
                    let noise = Float(sin(Double(i * 7 + step * 13)))
                    return (p.value[i] - targets[i]) + 0.01 * noise
                }
            }
            try adam.step(fullGroups, multiplier: 1)
            try adam8.step(quantisedGroups, multiplier: 1)
        }
        var distanceFull: Float = 0
        var distanceQuantised: Float = 0
        var gap: Float = 0
        for i in 0..<count {
            distanceFull += abs(full.value[i] - targets[i])
            distanceQuantised += abs(quantised.value[i] - targets[i])
            gap = max(gap, abs(full.value[i] - quantised.value[i]))
        }
        let start = (0..<count).reduce(Float(0)) { $0 + abs(0.5 * Float(cos(Double($1))) - targets[$1]) }
        #expect(distanceFull < 0.05 * start && distanceQuantised < 0.05 * start, "both converge")
        // Near the optimum both jitter by about lr; the 8-bit moments jitter a little more (measured: 1.3×).
        #expect(distanceQuantised < 1.5 * distanceFull)
        #expect(gap < 5e-2, "largest weight gap \(gap), lr 1e-2")
    }
}
