import Foundation

/// AdamW's hyperparameters for one step of the `adamw_step` kernel.
public struct AdamWHyperparameters: Sendable {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double

    public init(learningRate: Double, beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// The kernel's `AdamWScalars` argument for step `step` (1-based): computed in double and rounded to f32 as the
    /// CPU optimizer (Training/AdamW.swift) does, so that both round alike.
    public func kernelScalars(step: Int) -> KernelStruct {
        let t = Double(step)
        var scalars = KernelStruct()
        scalars.append(Float(1 - learningRate * weightDecay))
        scalars.append(Int32(weightDecay != 0 ? 1 : 0))
        scalars.append(Float(1 - beta1))
        scalars.append(Float(beta2))
        scalars.append(Float(1 - beta2))
        scalars.append(Float((1 - pow(beta2, t)).squareRoot()))
        scalars.append(Float(epsilon))
        scalars.append(Float(-(learningRate / (1 - pow(beta1, t)))))
        return scalars
    }
}
