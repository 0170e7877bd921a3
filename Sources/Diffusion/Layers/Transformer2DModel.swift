import Tensors

/// diffusers `Transformer2DModel` over continuous input (`models/transformers/transformer_2d.py`):
/// `x + proj_out(blocks(proj_in(norm(x)), context))`, the blocks running over the `H·W` pixels as a sequence.
public struct Transformer2DModel: Sendable {
    public let norm: GroupNorm
    public let projIn: PointwiseProjection
    public let transformerBlocks: [BasicTransformerBlock]
    public let projOut: PointwiseProjection
    let backend: any Backend

    /// diffusers fixes this GroupNorm's eps at 1e-6, whatever the UNet's norm_eps.
    public static let groupNormEps: Float = 1e-6

    /// The inner width is `heads · headDim`; diffusers' UNet blocks pass `headDim = channels / heads`.
    public init(
        _ parameters: Parameters, channels: Int, heads: Int, headDim: Int, depth: Int, contextDim: Int,
        groups: Int, useLinearProjection: Bool, onlyCrossAttention: Bool
    ) {
        let inner = heads * headDim
        norm = GroupNorm(parameters["norm"], groups: groups, channels: channels, eps: Self.groupNormEps)
        projIn = PointwiseProjection(
            parameters["proj_in"], inFeatures: channels, outFeatures: inner, isConvolution: !useLinearProjection)
        transformerBlocks = (0..<depth).map {
            BasicTransformerBlock(
                parameters["transformer_blocks"][$0], dim: inner, heads: heads, headDim: headDim,
                contextDim: contextDim, onlyCrossAttention: onlyCrossAttention)
        }
        projOut = PointwiseProjection(
            parameters["proj_out"], inFeatures: inner, outFeatures: channels, isConvolution: !useLinearProjection)
        backend = parameters.backend
    }

    /// `x [B, H, W, C]`, `context [B, L, contextDim]` → `[B, H, W, C]`. One gradient-checkpointing region.
    public func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
        backend.checkpointed([x, context]) { [self] in forward($0[0], context: $0[1]) }
    }

    private func forward(_ x: Tensor, context: Tensor) -> Tensor {
        let (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var h = projIn(norm(x).reshaped([batch, height * width, channels]))
        for block in transformerBlocks {
            h = block(h, context: context)
        }
        return backend.add(x, projOut(h).reshaped(x.shape))
    }
}
