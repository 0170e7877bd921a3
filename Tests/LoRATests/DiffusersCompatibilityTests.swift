import Diffusion
import Foundation
import Tensors
import TestSupport
import Testing

@testable import LoRA

/// LoRA files written by `lorad train` (`Tests/Fixtures/lora/`) against diffusers: `tools/make_lora_compat_fixtures.py`
/// loads each with `load_lora_weights` (and fails on any missing or unexpected key), and records the text
/// conditioning and a UNet prediction with the adapter at weight 0.8. The same file through lorad's `--lora` path must
/// give the same numbers, and visibly different ones from the model without it.
struct DiffusersCompatibilityTests {
    @Test(arguments: ["sd15-tiny-kohya", "sd15-tiny-peft", "sdxl-tiny-kohya"])
    func loraFileGivesDiffusersOutputs(name: String) throws {
        let golden = try Golden(
            contentsOf: Fixtures.root.appendingPathComponent("goldens/lora_compat/\(name).safetensors"))
        let prompt = try #require(golden.file.metadata["prompt"])
        let weight = try #require(golden.file.metadata["weight"].flatMap(Float.init))
        let backend = CPUBackend()
        let modelName = String(name.prefix(while: { $0 != "-" })) + "-tiny"
        let model = try StableDiffusionModel.load(from: Fixtures.model(modelName), backend: backend)
        let pipeline = try TextToImagePipeline(model: model)

        func outputs() throws -> (context: Tensor, prediction: Tensor) {
            let conditioning = try pipeline.promptEncoder.encode([prompt], clipSkip: 1)
            let added = try golden.file["output.time_ids"].map { _ in
                UNetAddedConditions(
                    textEmbeds: try #require(conditioning.pooled), timeIds: try golden.values("output.time_ids"))
            }
            let prediction = model.unet(
                try golden.channelsLast("input.latents", on: backend),
                timesteps: try golden.values("input.timestep"), encoderHiddenStates: conditioning.context,
                addedConditions: added)
            return (conditioning.context, prediction)
        }
        let expectedContext = try golden.tensor("output.context", on: backend)
        let expectedPrediction = try golden.channelsLast("output.unet", on: backend)
        let without = try outputs()

        let modulesText = try #require(golden.file.metadata["modules"])
        let modules = try #require(
            try JSONSerialization.jsonObject(with: Data(modulesText.utf8)) as? [String: Int])
        let network = try LoRANetwork.attach(
            contentsOf: Fixtures.root.appendingPathComponent("lora/\(name).safetensors"), to: model,
            multiplier: weight, on: backend)
        #expect(network.entries.count == modules.values.reduce(0, +), "the modules diffusers wrapped")
        let with = try outputs()

        let contextTolerance = 1e-4 * peakMagnitude(expectedContext)
        let predictionTolerance = 1e-4 * peakMagnitude(expectedPrediction)
        assertClose(with.context, expectedContext, rtol: 1e-4, atol: contextTolerance, label: "\(name) context")
        assertClose(with.prediction, expectedPrediction, rtol: 1e-4, atol: predictionTolerance, label: "\(name) unet")
        // The LoRA must matter: without it the prediction is far outside the tolerance.
        let change =
            zip(backend.download(without.prediction), backend.download(expectedPrediction))
            .map { abs($0 - $1) }.max() ?? 0
        #expect(change > 100 * predictionTolerance, "\(name): the LoRA changes the prediction by only \(change)")
    }
}
