/// One layer a LoRA can adapt: where it is (its diffusers/transformers module path) and the shape of its weight.
public struct AdaptableLayerDescription: Sendable, Hashable {
    /// The geometry of a convolution, as PyTorch's `nn.Conv2d` holds it (square kernels, symmetric padding).
    public struct Convolution: Sendable, Hashable {
        public var inChannels: Int
        public var outChannels: Int
        public var kernel: Int
        public var stride: Int
        public var padding: Int

        public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int) {
            self.inChannels = inChannels
            self.outChannels = outChannels
            self.kernel = kernel
            self.stride = stride
            self.padding = padding
        }
    }

    public enum Kind: Sendable, Hashable {
        /// `nn.Linear`, weight `[out, in]`.
        case linear(inFeatures: Int, outFeatures: Int)
        /// `nn.Conv2d`, weight `[out, in, kernel, kernel]`. A 1×1 projection stored as a convolution (SD 1.x
        /// `proj_in`/`proj_out`) is one of these, as kohya and peft treat it.
        case convolution(Convolution)

        public var inFeatures: Int {
            switch self {
            case .linear(let inFeatures, _): inFeatures
            case .convolution(let conv): conv.inChannels
            }
        }

        public var outFeatures: Int {
            switch self {
            case .linear(_, let outFeatures): outFeatures
            case .convolution(let conv): conv.outChannels
            }
        }

        /// The spatial kernel size: 1 for a Linear.
        public var kernel: Int {
            switch self {
            case .linear: 1
            case .convolution(let conv): conv.kernel
            }
        }

        /// The PyTorch shape of a rank-`rank` down (`lora_A`) weight: `[r, in]`, or `[r, in, k, k]` for a
        /// convolution, whose down projection is a convolution of the layer's own kernel, stride and padding.
        public func downShape(rank: Int) -> [Int] {
            switch self {
            case .linear(let inFeatures, _): [rank, inFeatures]
            case .convolution(let conv): [rank, conv.inChannels, conv.kernel, conv.kernel]
            }
        }

        /// The PyTorch shape of a rank-`rank` up (`lora_B`) weight: `[out, r]`, or `[out, r, 1, 1]`.
        public func upShape(rank: Int) -> [Int] {
            switch self {
            case .linear(_, let outFeatures): [outFeatures, rank]
            case .convolution(let conv): [conv.outChannels, rank, 1, 1]
            }
        }
    }

    public var component: ModelComponent
    /// The module path without a parameter suffix, e.g. `down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q`
    /// or `text_model.encoder.layers.0.mlp.fc1`.
    public var path: String
    public var kind: Kind

    public init(component: ModelComponent, path: String, kind: Kind) {
        self.component = component
        self.path = path
        self.kind = kind
    }
}
