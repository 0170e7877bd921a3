import Tensors

/// diffusers `ResnetBlock2D` with `time_embedding_norm = "default"` (`models/resnet.py`):
/// `h = conv1(act(norm1(x))) + time_emb_proj(act(temb))`, `h = conv2(act(norm2(h)))`,
/// `out = (shortcut(x) + h) / outputScaleFactor`. Dropout is left out: lorad trains adapters with it at 0.
public struct ResnetBlock2D: Sendable {
    public let norm1: GroupNorm
    public let conv1: Conv2d
    /// `nil` in the VAE, whose resnets take no time embedding.
    public let timeEmbeddingProjection: Linear?
    public let norm2: GroupNorm
    public let conv2: Conv2d
    /// A 1×1 convolution when the channel count changes.
    public let convShortcut: Conv2d?
    public let activation: Activation
    public let outputScaleFactor: Float
    let backend: any Backend

    public init(
        _ parameters: Parameters, inChannels: Int, outChannels: Int, timeEmbeddingChannels: Int?, groups: Int,
        eps: Float, activation: Activation, outputScaleFactor: Float = 1
    ) {
        norm1 = GroupNorm(parameters["norm1"], groups: groups, channels: inChannels, eps: eps)
        conv1 = Conv2d(
            parameters["conv1"], inChannels: inChannels, outChannels: outChannels, kernelSize: 3, padding: .uniform(1))
        timeEmbeddingProjection = timeEmbeddingChannels.map {
            Linear(parameters["time_emb_proj"], inFeatures: $0, outFeatures: outChannels)
        }
        norm2 = GroupNorm(parameters["norm2"], groups: groups, channels: outChannels, eps: eps)
        conv2 = Conv2d(
            parameters["conv2"], inChannels: outChannels, outChannels: outChannels, kernelSize: 3,
            padding: .uniform(1))
        convShortcut =
            inChannels == outChannels
            ? nil : Conv2d(parameters["conv_shortcut"], inChannels: inChannels, outChannels: outChannels, kernelSize: 1)
        self.activation = activation
        self.outputScaleFactor = outputScaleFactor
        backend = parameters.backend
    }

    /// `x [B, H, W, in]`, `timeEmbedding [B, temb]` (required when the block has a projection) → `[B, H, W, out]`.
    /// One gradient-checkpointing region, as in diffusers.
    public func callAsFunction(_ x: Tensor, timeEmbedding: Tensor? = nil) -> Tensor {
        let inputs = [x] + (timeEmbedding.map { [$0] } ?? [])
        return backend.checkpointed(inputs) { [self] in
            forward($0[0], timeEmbedding: $0.count > 1 ? $0[1] : nil)
        }
    }

    private func forward(_ x: Tensor, timeEmbedding: Tensor?) -> Tensor {
        var h = conv1(norm1(x, activation: activation))
        if let timeEmbeddingProjection {
            guard let timeEmbedding else { preconditionFailure("ResnetBlock2D needs a time embedding") }
            let projected = timeEmbeddingProjection(backend.activation(timeEmbedding, activation))
            h = backend.add(h, projected.reshaped([projected.shape[0], 1, 1, projected.shape[1]]))
        }
        h = conv2(norm2(h, activation: activation))
        let shortcut = convShortcut.map { $0(x) } ?? x
        if outputScaleFactor == 1 { return backend.add(shortcut, h) }
        return backend.linearCombination([(1 / outputScaleFactor, shortcut), (1 / outputScaleFactor, h)])
    }
}
