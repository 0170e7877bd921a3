import Foundation
import Testing

@testable import Training

/// A config's effective options: every option with the value it holds, given or default, written so that it loads
/// back to the same config.
@Suite struct EffectiveOptionsTests {
    static let given = """
        {"pretrained_model_name_or_path": "/models/sd15", "train_data_dir": "/data", "resolution": "512,768",
         "network_dim": 16, "learning_rate": 0.0002, "lr_scheduler": "cosine", "optimizer_type": "lion",
         "network_args": ["conv_dim=4"], "sample_prompts": ["a cat --w 512"], "seed": 3}
        """

    @Test func givenValuesAndDefaultsAreShownAsWritten() throws {
        let options = try TrainingConfig.parse(Self.given, format: .json, baseDirectory: "/").config.effectiveOptions
        #expect(options["network_dim"] == .integer(16))
        #expect(options["learning_rate"] == .double(0.0002))
        #expect(options["lr_scheduler"] == .string("cosine"))
        #expect(options["optimizer_type"] == .string("Lion"))
        #expect(options["network_args"] == .array([.string("conv_dim=4")]))
        #expect(options["seed"] == .integer(3))
        #expect(options["sample_prompts"] == .array([.string("a cat --w 512")]))
        #expect(options["resolution"] == .string("512,768"))
        // Defaults sd-scripts gives these options.
        #expect(options["train_batch_size"] == .integer(1))
        #expect(options["network_alpha"] == .double(1))
        #expect(options["vae"] == nil)
        #expect(options.count == ConfigOptions.all.count)
    }

    /// What the effective options say loads back to the same config (paths, which the server replaces, aside).
    @Test func effectiveOptionsLoadBackToTheSameConfig() throws {
        let config = try TrainingConfig.parse(Self.given, format: .json, baseDirectory: "/").config
        let reloaded = try TrainingConfig.decode(
            options: config.effectiveOptions.filter { $0.value != .null }, baseDirectory: "/"
        ).config
        #expect(reloaded.effectiveOptions == config.effectiveOptions)
    }
}
