import Tensors

/// The architecture of an `AutoencoderKL`, read from diffusers' `vae/config.json`, with diffusers' defaults for
/// missing keys (`models/autoencoders/autoencoder_kl.py`). Values lorad does not implement are rejected while
/// decoding, with a `ModelConfigError` naming the field.
public struct VAEConfig: Decodable, Sendable {
    public var inChannels: Int
    public var outChannels: Int
    /// Encoder levels, shallowest first (all `DownEncoderBlock2D`; the decoder mirrors them with `UpDecoderBlock2D`).
    public var blockOutChannels: [Int]
    /// Resnets per encoder level; decoder levels have one more.
    public var layersPerBlock: Int
    public var activation: Activation
    public var latentChannels: Int
    public var normNumGroups: Int
    /// The image size the model was trained at (one number or `[height, width]`); informational.
    public var sampleSize: OneOrMany<Int>?
    /// Latents for the UNet are `(z − shiftFactor) · scalingFactor`.
    public var scalingFactor: Float
    /// `nil` for SD 1.x, SD 2.x and SDXL.
    public var shiftFactor: Float?
    public var latentsMean: [Float]?
    public var latentsStd: [Float]?
    /// diffusers runs this VAE in f32 under f16 pipelines (SDXL's overflows in f16).
    public var forceUpcast: Bool
    public var useQuantConv: Bool
    public var usePostQuantConv: Bool
    public var midBlockAddAttention: Bool

    static let component = "vae"

    enum CodingKeys: String, CodingKey {
        case inChannels = "in_channels"
        case outChannels = "out_channels"
        case downBlockTypes = "down_block_types"
        case upBlockTypes = "up_block_types"
        case blockOutChannels = "block_out_channels"
        case layersPerBlock = "layers_per_block"
        case actFn = "act_fn"
        case latentChannels = "latent_channels"
        case normNumGroups = "norm_num_groups"
        case sampleSize = "sample_size"
        case scalingFactor = "scaling_factor"
        case shiftFactor = "shift_factor"
        case latentsMean = "latents_mean"
        case latentsStd = "latents_std"
        case forceUpcast = "force_upcast"
        case useQuantConv = "use_quant_conv"
        case usePostQuantConv = "use_post_quant_conv"
        case midBlockAddAttention = "mid_block_add_attention"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let component = Self.component
        func invalid(_ key: CodingKeys, _ reason: String) -> ModelConfigError {
            .invalid(component: component, field: key.rawValue, reason: reason)
        }

        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels) ?? 3
        outChannels = try c.decodeIfPresent(Int.self, forKey: .outChannels) ?? 3
        blockOutChannels = try c.decodeIfPresent([Int].self, forKey: .blockOutChannels) ?? [64]
        layersPerBlock = try c.decodeIfPresent(Int.self, forKey: .layersPerBlock) ?? 1
        activation = try Activation(
            configName: c.decodeIfPresent(String.self, forKey: .actFn) ?? "silu", component: component,
            field: CodingKeys.actFn.rawValue)
        latentChannels = try c.decodeIfPresent(Int.self, forKey: .latentChannels) ?? 4
        normNumGroups = try c.decodeIfPresent(Int.self, forKey: .normNumGroups) ?? 32
        sampleSize = try c.decodeIfPresent(OneOrMany<Int>.self, forKey: .sampleSize)
        scalingFactor = try c.decodeIfPresent(Float.self, forKey: .scalingFactor) ?? 0.18215
        shiftFactor = try c.decodeIfPresent(Float.self, forKey: .shiftFactor)
        latentsMean = try c.decodeIfPresent([Float].self, forKey: .latentsMean)
        latentsStd = try c.decodeIfPresent([Float].self, forKey: .latentsStd)
        forceUpcast = try c.decodeIfPresent(Bool.self, forKey: .forceUpcast) ?? true
        useQuantConv = try c.decodeIfPresent(Bool.self, forKey: .useQuantConv) ?? true
        usePostQuantConv = try c.decodeIfPresent(Bool.self, forKey: .usePostQuantConv) ?? true
        midBlockAddAttention = try c.decodeIfPresent(Bool.self, forKey: .midBlockAddAttention) ?? true

        // lorad builds the encoder and decoder from the standard blocks only.
        for (key, expected) in [
            (CodingKeys.downBlockTypes, "DownEncoderBlock2D"), (.upBlockTypes, "UpDecoderBlock2D"),
        ] {
            let names = try c.decodeIfPresent([String].self, forKey: key) ?? [expected]
            if let other = names.first(where: { $0 != expected }) {
                throw ModelConfigError.unsupported(component: component, field: key.rawValue, value: "\"\(other)\"")
            }
            guard names.count == blockOutChannels.count else {
                throw invalid(key, "has \(names.count) entries, block_out_channels has \(blockOutChannels.count)")
            }
        }
        guard !blockOutChannels.isEmpty else { throw invalid(.blockOutChannels, "is empty") }
        for (key, value) in [
            (CodingKeys.inChannels, inChannels), (.outChannels, outChannels), (.latentChannels, latentChannels),
            (.normNumGroups, normNumGroups), (.layersPerBlock, layersPerBlock),
        ] where value <= 0 {
            throw invalid(key, "must be positive, got \(value)")
        }
        if let bad = blockOutChannels.first(where: { $0 <= 0 || $0 % normNumGroups != 0 }) {
            throw invalid(
                .blockOutChannels, "entry \(bad) must be positive and divisible by norm_num_groups \(normNumGroups)")
        }
        guard scalingFactor.isFinite, scalingFactor != 0 else {
            throw invalid(.scalingFactor, "must be a finite, non-zero number")
        }
    }
}
