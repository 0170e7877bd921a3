import Tensors

/// `y = x·Wᵀ + b` over the last dimension (PyTorch `nn.Linear`).
public struct Linear: Sendable {
    public let weight: Tensor
    public let bias: Tensor?
    let backend: any Backend

    public init(_ parameters: Parameters, inFeatures: Int, outFeatures: Int, bias hasBias: Bool = true) {
        weight = parameters.tensor("weight", shape: [outFeatures, inFeatures])
        bias = hasBias ? parameters.tensor("bias", shape: [outFeatures]) : nil
        backend = parameters.backend
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        backend.linear(x, weight: weight, bias: bias)
    }
}
