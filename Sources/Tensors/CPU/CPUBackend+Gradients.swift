// TEMPORARY: the CPU backward passes are being written on the gradients branch; these stop the process until then.
extension CPUBackend {
    public func sum(_ x: Tensor, toShape shape: [Int]) -> Tensor { preconditionFailure("not yet") }
    public func conv2dBackwardInput(
        _ gradOutput: Tensor, weight: Tensor, inputShape: [Int], stride: Int, padding: Padding2D
    ) -> Tensor { preconditionFailure("not yet") }
    public func conv2dBackwardWeight(
        _ gradOutput: Tensor, input: Tensor, kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Padding2D
    ) -> Tensor { preconditionFailure("not yet") }
    public func groupNormBackward(
        _ gradOutput: Tensor, input: Tensor, groups: Int, weight: Tensor, bias: Tensor, eps: Float,
        activation: Activation?, parameterGradients: Bool
    ) -> NormalizationGradients { preconditionFailure("not yet") }
    public func layerNormBackward(
        _ gradOutput: Tensor, input: Tensor, weight: Tensor, bias: Tensor?, eps: Float, parameterGradients: Bool
    ) -> NormalizationGradients { preconditionFailure("not yet") }
    public func activationBackward(_ gradOutput: Tensor, input: Tensor, _ kind: Activation) -> Tensor {
        preconditionFailure("not yet")
    }
    public func gegluBackward(_ gradOutput: Tensor, input: Tensor) -> Tensor { preconditionFailure("not yet") }
    public func attentionBackward(
        _ gradOutput: Tensor, query: Tensor, key: Tensor, value: Tensor, heads: Int, causal: Bool
    ) -> (query: Tensor, key: Tensor, value: Tensor) { preconditionFailure("not yet") }
    public func upsampleNearestBackward(_ gradOutput: Tensor, inputHeight: Int, inputWidth: Int) -> Tensor {
        preconditionFailure("not yet")
    }
    public func scatterAddRows(_ x: Tensor, rows: [Int], count: Int) -> Tensor { preconditionFailure("not yet") }
}
