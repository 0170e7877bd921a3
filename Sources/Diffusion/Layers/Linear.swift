import Tensors

/// `y = x·Wᵀ + b` over the last dimension (PyTorch `nn.Linear`).
public struct Linear: Sendable {
    public let weight: Tensor
    public let bias: Tensor?
    public let adapters: AdapterSlot
    let backend: any Backend

    public init(_ parameters: Parameters, inFeatures: Int, outFeatures: Int, bias hasBias: Bool = true) {
        weight = parameters.tensor("weight", shape: [outFeatures, inFeatures])
        bias = hasBias ? parameters.tensor("bias", shape: [outFeatures]) : nil
        adapters = parameters.adapterSlot(.linear(inFeatures: inFeatures, outFeatures: outFeatures))
        backend = parameters.backend
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        adapters.apply(input: x, output: backend.linear(x, weight: weight, bias: bias), backend: backend)
    }
}
