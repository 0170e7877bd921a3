import Tensors

/// Layer normalisation over the last dimension (PyTorch `nn.LayerNorm`, affine).
public struct LayerNorm: Sendable {
    public let eps: Float
    public let weight: Tensor
    public let bias: Tensor
    let backend: any Backend

    public init(_ parameters: Parameters, features: Int, eps: Float) {
        self.eps = eps
        weight = parameters.tensor("weight", shape: [features])
        bias = parameters.tensor("bias", shape: [features])
        backend = parameters.backend
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        backend.layerNorm(x, weight: weight, bias: bias, eps: eps)
    }
}
