import Diffusion
import Foundation
import Tensors
import TestSupport
import Testing

@Suite struct UNetTests {
    let backend = CPUBackend()

    /// Builds a tiny fixture's UNet from its diffusers folder; every weight in the files must be used.
    func loadUNet(_ model: String) throws -> UNet2DConditionModel {
        let folder = Fixtures.model(model).appendingPathComponent("unet")
        let config = try JSONDecoder().decode(
            UNetConfig.self, from: Data(contentsOf: folder.appendingPathComponent("config.json")))
        let source = try FolderParameterSource(folder, backend: backend)
        let unet = try UNet2DConditionModel(config: config, parameters: Parameters(source))
        #expect(source.unusedNames.isEmpty, "weights the model did not ask for: \(source.unusedNames)")
        return unet
    }

    /// Both golden cases: a latent whose size divides by the total downsampling (`unet.`) and an odd one
    /// (`unet_odd.`, 9×7), where the upsamplers must take the skip sizes.
    /// Tolerance: |a − b| ≤ 1e-4·max|b| + 1e-4·|b|.
    @Test(arguments: ["sd15-tiny", "sd2-tiny", "sdxl-tiny"])
    func matchesDiffusers(model: String) throws {
        let unet = try loadUNet(model)
        let golden = try Golden(model)
        for prefix in ["unet", "unet_odd"] {
            let sample = try golden.channelsLast("\(prefix).sample", on: backend)
            var timesteps = try golden.values("\(prefix).timestep")
            if timesteps.count == 1 { timesteps = Array(repeating: timesteps[0], count: sample.shape[0]) }
            let context = try golden.tensor("\(prefix).encoder_hidden_states", on: backend)
            var added: UNetAddedConditions?
            if unet.config.additionEmbedType == .textTime {
                added = UNetAddedConditions(
                    textEmbeds: try golden.tensor("\(prefix).text_embeds", on: backend),
                    timeIds: try golden.values("\(prefix).time_ids"))
            }
            let out = unet(sample, timesteps: timesteps, encoderHiddenStates: context, addedConditions: added)
            let expected = try golden.channelsLast("\(prefix).out", on: backend)
            assertClose(
                out, expected, rtol: 1e-4, atol: 1e-4 * peakMagnitude(expected), label: "\(model) \(prefix).out")
        }
    }

    /// Full-size configs built through the shape recorder: diffusers' parameter counts, with no weights.
    @Test(arguments: [
        ("sd15", UNetTests.sd15Config, 686, 859_520_964),
        ("sdxl", UNetTests.sdxlConfig, 1680, 2_567_463_684),
    ])
    func fullSizeParameterCounts(name: String, json: String, tensors: Int, parameters: Int) throws {
        let config = try JSONDecoder().decode(UNetConfig.self, from: Data(json.utf8))
        let recorder = ParameterShapeRecorder(backend: backend)
        _ = try UNet2DConditionModel(config: config, parameters: Parameters(recorder))
        #expect(recorder.shapes.count == tensors, "\(name)")
        #expect(recorder.shapes.values.map { $0.reduce(1, *) }.reduce(0, +) == parameters, "\(name)")
        #expect(recorder.shapes["down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight"] != nil)
    }

    @Test func expandsPerBlockValues() throws {
        let config = try JSONDecoder().decode(UNetConfig.self, from: Data(Self.sdxlConfig.utf8))
        #expect(config.attentionHeads == [5, 10, 20])
        #expect(config.downTransformerLayers == [[1, 1], [2, 2], [10, 10]])
        #expect(config.upTransformerLayers == [[10, 10, 10], [2, 2, 2], [1, 1, 1]])
        #expect(config.midTransformerLayers == 10)
        #expect(config.crossAttentionDim == [2048, 2048, 2048])
        #expect(config.hasMidBlock && config.additionEmbedType == .textTime && config.timeEmbeddingDim == 1280)

        let noMid = try JSONDecoder().decode(UNetConfig.self, from: Data(#"{"mid_block_type": null}"#.utf8))
        #expect(!noMid.hasMidBlock)
        let explicitHeads = try JSONDecoder().decode(
            UNetConfig.self, from: Data(#"{"attention_head_dim": 64, "num_attention_heads": [2, 4, 8, 8]}"#.utf8))
        #expect(explicitHeads.attentionHeads == [2, 4, 8, 8])
    }

    @Test(arguments: [
        (#"{"class_embed_type": "timestep"}"#, ModelConfigError.unsupported(
            component: "unet", field: "class_embed_type", value: "\"timestep\"")),
        (#"{"resnet_time_scale_shift": "scale_shift"}"#, .unsupported(
            component: "unet", field: "resnet_time_scale_shift", value: "\"scale_shift\"")),
        (#"{"time_embedding_type": "fourier"}"#, .unsupported(
            component: "unet", field: "time_embedding_type", value: "\"fourier\"")),
        (#"{"mid_block_type": "UNetMidBlock2DSimpleCrossAttn"}"#, .unsupported(
            component: "unet", field: "mid_block_type", value: "\"UNetMidBlock2DSimpleCrossAttn\"")),
        (#"{"down_block_types": ["AttnDownBlock2D", "DownBlock2D", "DownBlock2D", "DownBlock2D"]}"#, .unsupported(
            component: "unet", field: "down_block_types", value: "\"AttnDownBlock2D\"")),
        (#"{"addition_embed_type": "text"}"#, .unsupported(
            component: "unet", field: "addition_embed_type", value: "\"text\"")),
        (#"{"act_fn": "mish"}"#, .unsupported(component: "unet", field: "act_fn", value: "\"mish\"")),
        (#"{"layers_per_block": [2, 2]}"#, .invalid(
            component: "unet", field: "layers_per_block", reason: "has 2 entries, expected 4")),
        (#"{"norm_num_groups": 24}"#, .invalid(
            component: "unet", field: "block_out_channels",
            reason: "entry 320 is not divisible by norm_num_groups 24")),
        (#"{"addition_embed_type": "text_time"}"#, .invalid(
            component: "unet", field: "addition_time_embed_dim",
            reason: "must be a positive number for addition_embed_type \"text_time\"")),
    ])
    func rejectsUnsupportedConfigs(json: String, error: ModelConfigError) {
        #expect(throws: error) { try JSONDecoder().decode(UNetConfig.self, from: Data(json.utf8)) }
    }

    /// `stable-diffusion-v1-5/unet/config.json`.
    static let sd15Config = """
        {"_class_name": "UNet2DConditionModel", "act_fn": "silu", "attention_head_dim": 8,
         "block_out_channels": [320, 640, 1280, 1280], "center_input_sample": false, "cross_attention_dim": 768,
         "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
         "downsample_padding": 1, "flip_sin_to_cos": true, "freq_shift": 0, "in_channels": 4, "layers_per_block": 2,
         "mid_block_scale_factor": 1, "norm_eps": 1e-05, "norm_num_groups": 32, "out_channels": 4, "sample_size": 64,
         "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]}
        """

    /// `stable-diffusion-xl-base-1.0/unet/config.json`.
    static let sdxlConfig = """
        {"_class_name": "UNet2DConditionModel", "act_fn": "silu", "addition_embed_type": "text_time",
         "addition_embed_type_num_heads": 64, "addition_time_embed_dim": 256, "attention_head_dim": [5, 10, 20],
         "block_out_channels": [320, 640, 1280], "center_input_sample": false, "class_embed_type": null,
         "class_embeddings_concat": false, "conv_in_kernel": 3, "conv_out_kernel": 3, "cross_attention_dim": 2048,
         "cross_attention_norm": null, "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
         "downsample_padding": 1, "dual_cross_attention": false, "encoder_hid_dim": null, "encoder_hid_dim_type": null,
         "flip_sin_to_cos": true, "freq_shift": 0, "in_channels": 4, "layers_per_block": 2,
         "mid_block_only_cross_attention": null, "mid_block_scale_factor": 1, "mid_block_type": "UNetMidBlock2DCrossAttn",
         "norm_eps": 1e-05, "norm_num_groups": 32, "num_attention_heads": null, "num_class_embeds": null,
         "only_cross_attention": false, "out_channels": 4, "projection_class_embeddings_input_dim": 2816,
         "resnet_out_scale_factor": 1.0, "resnet_skip_time_act": false, "resnet_time_scale_shift": "default",
         "sample_size": 128, "time_cond_proj_dim": null, "time_embedding_act_fn": null, "time_embedding_dim": null,
         "time_embedding_type": "positional", "timestep_post_act": null, "transformer_layers_per_block": [1, 2, 10],
         "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"], "upcast_attention": null,
         "use_linear_projection": true}
        """
}
