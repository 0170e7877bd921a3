import Tensors

/// Group normalisation over channels-last activations (PyTorch `nn.GroupNorm`, affine).
public struct GroupNorm: Sendable {
    public let groups: Int
    public let eps: Float
    public let weight: Tensor
    public let bias: Tensor
    let backend: any Backend

    public init(_ parameters: Parameters, groups: Int, channels: Int, eps: Float) {
        self.groups = groups
        self.eps = eps
        weight = parameters.tensor("weight", shape: [channels])
        bias = parameters.tensor("bias", shape: [channels])
        backend = parameters.backend
    }

    /// Normalises, then applies `activation` in the same pass (GroupNorm is followed by SiLU almost everywhere).
    public func callAsFunction(_ x: Tensor, activation: Activation? = nil) -> Tensor {
        backend.groupNorm(x, groups: groups, weight: weight, bias: bias, eps: eps, activation: activation)
    }
}
