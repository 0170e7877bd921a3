import Diffusion
import Foundation
import Tensors
import TestSupport
import Testing

@Suite struct VAETests {
    let backend = CPUBackend()

    /// Builds a tiny fixture's VAE from its diffusers folder; every weight in the files must be used.
    func loadVAE(_ model: String) throws -> AutoencoderKL {
        let folder = Fixtures.model(model).appendingPathComponent("vae")
        let config = try JSONDecoder().decode(
            VAEConfig.self, from: Data(contentsOf: folder.appendingPathComponent("config.json")))
        let source = try FolderParameterSource(folder, backend: backend)
        let vae = try AutoencoderKL(config: config, parameters: Parameters(source))
        #expect(source.unusedNames.isEmpty, "weights the model did not ask for: \(source.unusedNames)")
        return vae
    }

    /// Encoder moments, a sample with the golden noise, the same sample from the Philox generator (seed 7,
    /// stream 0), and the decoder, for an even image (`vae.`) and an odd one (`vae_odd.`).
    /// Tolerance: |a − b| ≤ 1e-4·max|b| + 1e-4·|b|.
    @Test(arguments: ["sd15-tiny", "sd2-tiny", "sdxl-tiny"])
    func matchesDiffusers(model: String) throws {
        let vae = try loadVAE(model)
        let golden = try Golden(model)
        func check(_ actual: Tensor, _ name: String, _ how: String = "") throws {
            let expected = try golden.channelsLast(name, on: backend)
            assertClose(
                actual, expected, rtol: 1e-4, atol: 1e-4 * peakMagnitude(expected), label: "\(model) \(name)\(how)")
        }
        for prefix in ["vae", "vae_odd"] {
            let posterior = vae.encode(try golden.channelsLast("\(prefix).image", on: backend))
            try check(posterior.mean, "\(prefix).mean")
            try check(posterior.logvar, "\(prefix).logvar")
            try check(posterior.sample(noise: try golden.channelsLast("\(prefix).noise", on: backend)), "\(prefix).sample")
            var generator = PhiloxGenerator(seed: 7, stream: 0)
            try check(posterior.sample(generator: &generator), "\(prefix).sample", " (Philox noise)")
            try check(vae.decode(try golden.channelsLast("\(prefix).decode_in", on: backend)), "\(prefix).decoded")
        }
    }

    @Test func readsScalingAndDefaults() throws {
        let config = try JSONDecoder().decode(
            VAEConfig.self,
            from: Data(#"{"block_out_channels": [128, 256, 512, 512], "scaling_factor": 0.13025, "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"], "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"], "layers_per_block": 2}"#.utf8))
        #expect(config.scalingFactor == 0.13025 && config.shiftFactor == nil)
        #expect(config.useQuantConv && config.usePostQuantConv && config.midBlockAddAttention)
        #expect(config.latentChannels == 4 && config.normNumGroups == 32)
        // The SD VAE: 248 tensors, 83,653,863 parameters in diffusers.
        let recorder = ParameterShapeRecorder(backend: backend)
        _ = try AutoencoderKL(config: config, parameters: Parameters(recorder))
        #expect(recorder.shapes.count == 248)
        #expect(recorder.shapes.values.map { $0.reduce(1, *) }.reduce(0, +) == 83_653_863)
    }

    @Test(arguments: [
        (#"{"down_block_types": ["AttnDownEncoderBlock2D"]}"#, ModelConfigError.unsupported(
            component: "vae", field: "down_block_types", value: "\"AttnDownEncoderBlock2D\"")),
        (#"{"block_out_channels": [64, 128]}"#, .invalid(
            component: "vae", field: "down_block_types", reason: "has 1 entries, block_out_channels has 2")),
        (#"{"act_fn": "relu"}"#, .unsupported(component: "vae", field: "act_fn", value: "\"relu\"")),
    ])
    func rejectsUnsupportedConfigs(json: String, error: ModelConfigError) {
        #expect(throws: error) { try JSONDecoder().decode(VAEConfig.self, from: Data(json.utf8)) }
    }
}
