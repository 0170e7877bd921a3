import Tensors

/// diffusers `TimestepEmbedding` (`models/embeddings.py`): `post(linear_2(act(linear_1(x))))`; the UNet's time MLP
/// and SDXL's `add_embedding`.
public struct TimestepEmbedding: Sendable {
    public let linear1: Linear
    public let linear2: Linear
    public let activation: Activation
    public let postActivation: Activation?
    let backend: any Backend

    public init(
        _ parameters: Parameters, inChannels: Int, embeddingDim: Int, activation: Activation = .silu,
        postActivation: Activation? = nil
    ) {
        linear1 = Linear(parameters["linear_1"], inFeatures: inChannels, outFeatures: embeddingDim)
        linear2 = Linear(parameters["linear_2"], inFeatures: embeddingDim, outFeatures: embeddingDim)
        self.activation = activation
        self.postActivation = postActivation
        backend = parameters.backend
    }

    /// `[B, in]` → `[B, embeddingDim]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let h = linear2(backend.activation(linear1(x), activation))
        return postActivation.map { backend.activation(h, $0) } ?? h
    }
}
