import Diffusion
import Foundation
import LoRA

/// Committed fixtures (`Tests/Fixtures`): LoRA goldens from `tools/make_lora_keysets.py` and
/// `tools/make_lora_fixtures.py`, and the tiny diffusers models of `tools/make_fixtures.py`.
enum LoRAFixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // LoRATests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures")

    static func golden(_ path: String) -> URL { root.appendingPathComponent("goldens/\(path)") }

    static func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: golden(path))) as! [String: Any]
    }

    /// The layout of a tiny fixture model, from its diffusers folder's configs.
    static func tinyLayout(_ model: String, architecture: ModelArchitecture) throws -> LoRAModelLayout {
        let folder = root.appendingPathComponent("models/\(model)")
        let unet = try JSONDecoder().decode(
            UNetConfig.self, from: Data(contentsOf: folder.appendingPathComponent("unet/config.json")))
        var encoders: [CLIPTextConfig] = []
        for name in ["text_encoder", "text_encoder_2"] {
            let url = folder.appendingPathComponent("\(name)/config.json")
            if FileManager.default.fileExists(atPath: url.path) {
                encoders.append(try JSONDecoder().decode(CLIPTextConfig.self, from: Data(contentsOf: url)))
            }
        }
        return try LoRAModelLayout(architecture: architecture, unet: unet, textEncoders: encoders)
    }

    /// Full-size layouts, built from the published configs without weights.
    static func fullLayout(_ architecture: ModelArchitecture) throws -> LoRAModelLayout {
        let unetJSON: String
        let encoders: [CLIPTextConfig]
        let large = try CLIPTextConfig(
            hiddenSize: 768, intermediateSize: 3072, projectionDim: 768, numHiddenLayers: 12, numAttentionHeads: 12)
        switch architecture {
        case .sd1:
            unetJSON = sd15UNet
            encoders = [large]
        case .sd2:
            unetJSON = sd2UNet
            // The diffusers SD 2 text encoder: OpenCLIP ViT-H without its last layer.
            encoders = [
                try CLIPTextConfig(
                    hiddenSize: 1024, intermediateSize: 4096, projectionDim: 512, numHiddenLayers: 23,
                    numAttentionHeads: 16, hiddenAct: .gelu)
            ]
        case .sdxl:
            unetJSON = sdxlUNet
            encoders = [
                large,
                try CLIPTextConfig(
                    hiddenSize: 1280, intermediateSize: 5120, projectionDim: 1280, numHiddenLayers: 32,
                    numAttentionHeads: 20, hiddenAct: .gelu),
            ]
        }
        let unet = try JSONDecoder().decode(UNetConfig.self, from: Data(unetJSON.utf8))
        return try LoRAModelLayout(architecture: architecture, unet: unet, textEncoders: encoders)
    }

    /// `stable-diffusion-v1-5/unet/config.json` (the keys that matter).
    static let sd15UNet = """
        {"act_fn": "silu", "attention_head_dim": 8, "block_out_channels": [320, 640, 1280, 1280],
         "cross_attention_dim": 768,
         "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
         "downsample_padding": 1, "in_channels": 4, "layers_per_block": 2, "norm_num_groups": 32, "out_channels": 4,
         "sample_size": 64,
         "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]}
        """

    /// `stabilityai/stable-diffusion-2-1/unet/config.json`.
    static let sd2UNet = """
        {"act_fn": "silu", "attention_head_dim": [5, 10, 20, 20], "block_out_channels": [320, 640, 1280, 1280],
         "cross_attention_dim": 1024,
         "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
         "downsample_padding": 1, "in_channels": 4, "layers_per_block": 2, "norm_num_groups": 32, "out_channels": 4,
         "sample_size": 96,
         "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
         "upcast_attention": true, "use_linear_projection": true}
        """

    /// `stable-diffusion-xl-base-1.0/unet/config.json`.
    static let sdxlUNet = """
        {"act_fn": "silu", "addition_embed_type": "text_time", "addition_time_embed_dim": 256,
         "attention_head_dim": [5, 10, 20], "block_out_channels": [320, 640, 1280], "cross_attention_dim": 2048,
         "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"], "downsample_padding": 1,
         "in_channels": 4, "layers_per_block": 2, "norm_num_groups": 32, "out_channels": 4,
         "projection_class_embeddings_input_dim": 2816, "sample_size": 128, "transformer_layers_per_block": [1, 2, 10],
         "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"], "use_linear_projection": true}
        """
}
