/// A diffusers `vae/config.json` inferred from the tensor shapes of a single-file checkpoint (the fields of
/// diffusers' `create_vae_diffusers_config_from_ldm`): channels and levels from the encoder, the latent width from
/// the decoder's input. The scaling factor is not stored; it is the family's (0.13025 for SDXL, else 0.18215).
struct LDMVAEConfigInference: Encodable, Sendable {
    var sampleSize: Int
    var inChannels: Int
    var outChannels: Int
    var downBlockTypes: [String]
    var upBlockTypes: [String]
    var blockOutChannels: [Int]
    var layersPerBlock: Int
    var latentChannels: Int
    var scalingFactor: Float

    static let component = "vae"

    init(_ shapes: CheckpointShapes, architecture: ModelArchitecture, imageSize: Int) throws {
        let p = LDMVAENames.prefix
        func dimension(_ key: String, _ axis: Int) throws -> Int {
            try shapes.dimension(p + key, axis, component: Self.component)
        }
        inChannels = try dimension("encoder.conv_in.weight", 1)
        outChannels = try dimension("decoder.conv_out.weight", 0)
        latentChannels = try dimension("decoder.conv_in.weight", 1)
        // At least one level, so that a VAE without levels is reported by its first missing key.
        let levels = max(shapes.countNumbered("\(p)encoder.down."), 1)
        blockOutChannels = try (0..<levels).map { try dimension("encoder.down.\($0).block.0.conv2.weight", 0) }
        layersPerBlock = shapes.countNumbered("\(p)encoder.down.0.block.")
        downBlockTypes = Array(repeating: "DownEncoderBlock2D", count: levels)
        upBlockTypes = Array(repeating: "UpDecoderBlock2D", count: levels)
        sampleSize = imageSize
        scalingFactor = architecture == .sdxl ? 0.13025 : 0.18215
    }

    /// How many times the VAE halves the image: one downsampler per level but the last.
    var scaleFactor: Int { 1 << max(blockOutChannels.count - 1, 0) }
}
