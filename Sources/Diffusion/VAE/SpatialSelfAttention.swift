import Tensors

/// The VAE mid block's attention: diffusers `Attention` with `group_norm`, one head over all channels, q/k/v
/// biases and a residual connection (`models/unets/unet_2d_blocks.py` `UNetMidBlock2D`,
/// `models/attention_processor.py`): `x + to_out.0(attention(group_norm(x)))` over the `H·W` pixels.
public struct SpatialSelfAttention: Sendable {
    public let groupNorm: GroupNorm
    public let attention: Attention
    let backend: any Backend

    public init(_ parameters: Parameters, channels: Int, groups: Int, eps: Float) {
        groupNorm = GroupNorm(parameters["group_norm"], groups: groups, channels: channels, eps: eps)
        attention = Attention(parameters, queryDim: channels, contextDim: nil, heads: 1, headDim: channels, bias: true)
        backend = parameters.backend
    }

    /// `[B, H, W, C]` → `[B, H, W, C]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let sequence = groupNorm(x).reshaped([batch, height * width, channels])
        return backend.add(x, attention(sequence).reshaped(x.shape))
    }
}
