/// Padding of a 2-D convolution, in pixels per side (the VAE's downsampler pads only bottom and right).
public struct Padding2D: Hashable, Sendable {
    public var top: Int
    public var left: Int
    public var bottom: Int
    public var right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        (self.top, self.left, self.bottom, self.right) = (top, left, bottom, right)
    }

    public static func uniform(_ pixels: Int) -> Padding2D {
        Padding2D(top: pixels, left: pixels, bottom: pixels, right: pixels)
    }

    public static let zero = Padding2D.uniform(0)
}

/// What the backward pass of a normalisation returns; `weight` and `bias` are `nil` when not asked for (or, for
/// `bias`, when the norm has none).
public struct NormalizationGradients: Sendable {
    public var input: Tensor
    public var weight: Tensor?
    public var bias: Tensor?

    public init(input: Tensor, weight: Tensor? = nil, bias: Tensor? = nil) {
        (self.input, self.weight, self.bias) = (input, weight, bias)
    }
}

/// Pointwise nonlinearities used by the models.
public enum Activation: String, Sendable {
    /// x·σ(x)
    case silu
    /// Exact (erf) GELU.
    case gelu
    /// x·σ(1.702x), CLIP's original activation.
    case quickGELU = "quick_gelu"
}

/// The op set that model code is written against. Every op takes tensors on this backend's device and returns
/// new tensors there; inputs are never modified. Shape and device mismatches are programming errors and stop the
/// process (callers validate user input before it reaches a backend).
///
/// Layout conventions: activations of images are NHWC; linear weights are `[out, in]` (as PyTorch); convolution
/// weights are `[out, kh, kw, in]` (OHWI, the channels-last order; loaders permute PyTorch's OIHW once).
public protocol Backend: AnyObject, Sendable {
    var device: Device { get }
    /// The dtype in which this backend keeps frozen weights and computes activations.
    var computeDType: DType { get }

    // MARK: Memory

    /// Copies host values to the device, converting to `dtype`.
    func upload(_ values: [Float], shape: [Int], dtype: DType) -> Tensor
    /// Copies little-endian host bytes of `sourceDType` (as stored in a file) to the device as `dtype`.
    func upload(bytes: UnsafeRawBufferPointer, sourceDType: DType, shape: [Int], dtype: DType) -> Tensor
    /// Copies a tensor's values to the host as `Float`s, in row-major order.
    func download(_ x: Tensor) -> [Float]
    func full(_ shape: [Int], value: Float, dtype: DType) -> Tensor
    func cast(_ x: Tensor, to dtype: DType) -> Tensor

    // MARK: Layout

    /// `out.shape[i] == x.shape[axes[i]]`.
    func permute(_ x: Tensor, _ axes: [Int]) -> Tensor
    /// Joins tensors that agree in every dimension but `axis`.
    func concat(_ xs: [Tensor], axis: Int) -> Tensor
    func slice(_ x: Tensor, axis: Int, _ range: Range<Int>) -> Tensor
    /// Rows of `x` viewed as `[x.shape[0], rest…]`: `out[i] = x[rows[i]]`.
    func gatherRows(_ x: Tensor, rows: [Int]) -> Tensor

    // MARK: Matrix products

    /// `a [batch…, M, K] · b [batch…, K, N]` (or the transposed operands), f32 accumulation. `b` may also be a
    /// single matrix shared by every batch entry.
    func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> Tensor
    /// `x […, in] · weightᵀ + bias` with `weight [out, in]`.
    func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor

    // MARK: Convolution

    /// `x [N, H, W, Cin]`, `weight [Cout, kh, kw, Cin]`, optional `bias [Cout]` → `[N, Ho, Wo, Cout]`.
    func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Padding2D) -> Tensor

    // MARK: Normalization

    /// Group normalisation of `x [N, …, C]` (channels last, any number of spatial dims), statistics per sample and
    /// group of `C / groups` consecutive channels, then the per-channel affine map and an optional activation.
    func groupNorm(
        _ x: Tensor, groups: Int, weight: Tensor, bias: Tensor, eps: Float, activation: Activation?
    ) -> Tensor
    /// Normalises over the last dimension.
    func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor?, eps: Float) -> Tensor

    // MARK: Activations

    func activation(_ x: Tensor, _ kind: Activation) -> Tensor
    /// `x [… , 2d]` → `x[…, :d] · GELU(x[…, d:])` (diffusers' GEGLU: the second half is the gate).
    func geglu(_ x: Tensor) -> Tensor

    // MARK: Attention

    /// Multi-head scaled dot-product attention. `query [B, Lq, heads·D]`, `key`/`value [B, Lk, heads·D]`; heads are
    /// consecutive blocks of `D` channels. `causal` masks key positions after the query's. Scale `D^-1/2`.
    func attention(query: Tensor, key: Tensor, value: Tensor, heads: Int, causal: Bool) -> Tensor

    // MARK: Elementwise

    /// `a + b`, where `b` broadcasts to `a`'s shape (aligned right; each of its dimensions equal or 1).
    func add(_ a: Tensor, _ b: Tensor) -> Tensor
    /// `a · b` with the same broadcasting as `add`.
    func multiply(_ a: Tensor, _ b: Tensor) -> Tensor
    /// `Σ coefficientᵢ · tensorᵢ` over tensors of one shape (the samplers' update rules).
    func linearCombination(_ terms: [(Float, Tensor)]) -> Tensor
    func clamp(_ x: Tensor, min: Float, max: Float) -> Tensor
    func exp(_ x: Tensor) -> Tensor

    // MARK: Resampling and lookup

    /// Nearest-neighbour resize of `x [N, H, W, C]` to `[N, height, width, C]`, with PyTorch's index rule.
    func upsampleNearest(_ x: Tensor, height: Int, width: Int) -> Tensor
    /// `table [V, C]` → `[ids.count, C]`; every id must be below `V`.
    func embedding(_ ids: [Int32], table: Tensor) -> Tensor

    // MARK: Gradients
    //
    // The backward passes of the ops above, for training. Each returns the gradient of a scalar loss with respect to
    // one operand, given the gradient with respect to the op's output (`gradOutput`, the output's shape). Matrix
    // products need no op of their own: their gradients are matmuls with transposed operands.

    /// Sums `x` down to `shape`: the gradient of broadcasting a tensor of `shape` to `x.shape` in `add` and
    /// `multiply` (dimensions aligned right; summed where `shape` has 1 or lacks the dimension). `[]` or `[1]` give
    /// the total.
    func sum(_ x: Tensor, toShape shape: [Int]) -> Tensor
    /// The gradient of `conv2d` with respect to its input of `inputShape` `[N, H, W, Cin]`.
    func conv2dBackwardInput(
        _ gradOutput: Tensor, weight: Tensor, inputShape: [Int], stride: Int, padding: Padding2D
    ) -> Tensor
    /// The gradient of `conv2d` with respect to its weight, `[Cout, kernelHeight, kernelWidth, Cin]`.
    func conv2dBackwardWeight(
        _ gradOutput: Tensor, input: Tensor, kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Padding2D
    ) -> Tensor
    /// The gradients of `groupNorm` (including its fused activation); `weight` and `bias` gradients only when
    /// `parameterGradients` (frozen norms skip them).
    func groupNormBackward(
        _ gradOutput: Tensor, input: Tensor, groups: Int, weight: Tensor, bias: Tensor, eps: Float,
        activation: Activation?, parameterGradients: Bool
    ) -> NormalizationGradients
    /// The gradients of `layerNorm`, as `groupNormBackward`.
    func layerNormBackward(
        _ gradOutput: Tensor, input: Tensor, weight: Tensor, bias: Tensor?, eps: Float, parameterGradients: Bool
    ) -> NormalizationGradients
    /// The gradient of `activation(input, kind)`.
    func activationBackward(_ gradOutput: Tensor, input: Tensor, _ kind: Activation) -> Tensor
    /// The gradient of `geglu(input)`, shaped like `input` `[…, 2d]`.
    func gegluBackward(_ gradOutput: Tensor, input: Tensor) -> Tensor
    /// The gradients of `attention` with respect to its query, key and value.
    func attentionBackward(
        _ gradOutput: Tensor, query: Tensor, key: Tensor, value: Tensor, heads: Int, causal: Bool
    ) -> (query: Tensor, key: Tensor, value: Tensor)
    /// The gradient of `upsampleNearest` with respect to its input `[N, inputHeight, inputWidth, C]`: each input
    /// pixel receives the sum over the output pixels that copied it.
    func upsampleNearestBackward(_ gradOutput: Tensor, inputHeight: Int, inputWidth: Int) -> Tensor
    /// `out [count, rest…]`, zero except `out[rows[i]] += x[i]`: the gradient of `gatherRows`.
    func scatterAddRows(_ x: Tensor, rows: [Int], count: Int) -> Tensor

    // MARK: Random numbers

    /// Standard normal draws in `x`'s row-major order: element `i` is `Philox.normal(seed, stream, offset + i)`.
    func randomNormal(_ shape: [Int], dtype: DType, seed: UInt64, stream: UInt32, offset: UInt64) -> Tensor
    /// Uniform draws in (0, 1), element `i` is `Philox.uniform(seed, stream, offset + i)`.
    func randomUniform(_ shape: [Int], dtype: DType, seed: UInt64, stream: UInt32, offset: UInt64) -> Tensor
    /// Inverted-dropout mask: element `i` is `1 / (1 − dropProbability)` where `Philox.uniform(seed, stream,
    /// offset + i) ≥ dropProbability`, else 0 (PyTorch's `F.dropout` scaling).
    func dropoutMask(_ shape: [Int], dropProbability: Float, seed: UInt64, stream: UInt32, offset: UInt64) -> Tensor

    // MARK: Training

    /// Runs `body` on `inputs`. A recording backend (`GradientTape`) with checkpointing on keeps none of `body`'s
    /// intermediate tensors and runs it again during the backward pass; every other backend just runs it.
    /// `body` must compute the same values when run again (draw its randomness from fixed offsets).
    func checkpointed(_ inputs: [Tensor], _ body: @escaping ([Tensor]) -> [Tensor]) -> [Tensor]
}

extension Backend {
    public func checkpointed(_ inputs: [Tensor], _ body: @escaping ([Tensor]) -> [Tensor]) -> [Tensor] { body(inputs) }

    /// `checkpointed` for a region with one output.
    public func checkpointed(_ inputs: [Tensor], _ body: @escaping ([Tensor]) -> Tensor) -> Tensor {
        checkpointed(inputs) { [body($0)] }[0]
    }

    public func upload(_ values: [Float], shape: [Int]) -> Tensor {
        upload(values, shape: shape, dtype: computeDType)
    }

    public func full(_ shape: [Int], value: Float) -> Tensor { full(shape, value: value, dtype: computeDType) }

    public func zeros(_ shape: [Int]) -> Tensor { full(shape, value: 0, dtype: computeDType) }

    public func scale(_ x: Tensor, by factor: Float) -> Tensor { linearCombination([(factor, x)]) }

    public func subtract(_ a: Tensor, _ b: Tensor) -> Tensor { linearCombination([(1, a), (-1, b)]) }

    public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
        matmul(a, b, transposeA: false, transposeB: false)
    }

    /// NCHW → NHWC.
    public func channelsLast(_ x: Tensor) -> Tensor { permute(x, [0, 2, 3, 1]) }

    /// NHWC → NCHW.
    public func channelsFirst(_ x: Tensor) -> Tensor { permute(x, [0, 3, 1, 2]) }
}
