import Testing

@testable import Training

@Suite struct ConfigOverrideTests {
    @Test func typedByTheOption() throws {
        let config = try loadTOML(
            requiredTOML + "network_dim = 16\nflip_aug = true\n",
            overrides: [
                "network_dim=32", "flip_aug=False", "learning_rate=1e-4", "text_encoder_lr=1e-5,2e-5",
                "optimizer_args=weight_decay=0.01 betas=0.9,0.999", "output_name=123", "output_dir=out",
                "resolution=768,512", "seed=7", "shuffle_caption=True",
            ]
        ).config
        #expect(config.networkDim == 32 && !config.flipAug && config.learningRate == 1e-4)
        #expect(config.textEncoderLR == [1e-5, 2e-5])
        #expect(config.optimizerArgs.map(\.description) == ["weight_decay=0.01", "betas=0.9,0.999"])
        #expect(config.outputName == "123" && config.outputDir == "/work/out")
        #expect(config.resolution == Resolution(width: 768, height: 512) && config.seed == 7 && config.shuffleCaption)
    }

    @Test func arrayLiteralsAndCommaLists() throws {
        let config = try loadTOML(
            requiredTOML,
            overrides: [
                "text_encoder_lr=[1e-5, 3e-5]", "network_args=[\"conv_dim=4\", \"conv_alpha=1\"]",
                "optimizer_args=weight_decay=0.01,betas=0.9,0.99,eps=1e-8",
                "sample_prompts=[\"a cat\", \"a dog --w 640\"]",
            ]
        ).config
        #expect(config.textEncoderLR == [1e-5, 3e-5])
        #expect(config.networkArgs.convDim == 4)
        #expect(config.optimizerArgs.map(\.description) == ["weight_decay=0.01", "betas=0.9,0.99", "eps=1e-8"])
        #expect(config.samplePromptList.map(\.width) == [512, 640])
    }

    @Test func emptyValueRestoresTheDefault() throws {
        let config = try loadTOML(requiredTOML + "network_dim = 16\nseed = 3", overrides: ["network_dim=", "seed="])
            .config
        #expect(config.networkDim == 4 && config.seed == nil)
    }

    @Test func overridesReplaceGUINamesAndBack() throws {
        let gui =
            #"{"LoRA_type": "Standard", "pretrained_model_name_or_path": "/m", "train_data_dir": "/d", "max_resolution": "512,512", "epoch": 3, "lr_warmup": 10}"#
        let config = try TrainingConfig.parse(
            gui, format: .json, baseDirectory: "/",
            overrides: ["resolution=768", "max_train_epochs=9", "lr_warmup_steps=20"]
        ).config
        #expect(config.resolution == Resolution(width: 768, height: 768))
        #expect(config.maxTrainEpochs == 9 && config.lrWarmupSteps == .steps(20))
        let back = try loadTOML(requiredTOML + "optimizer_type = \"Lion\"", overrides: ["optimizer=Prodigy"]).config
        #expect(back.optimizerType == "Prodigy")
    }

    @Test func badOverridesAreIssuesLikeFileValues() {
        #expect(
            issues(requiredTOML, overrides: ["network_dim=0"]) == [
                ConfigIssue(key: "network_dim", message: "0 is out of range: expected an integer ≥ 1")
            ])
        #expect(
            issues(requiredTOML, overrides: ["flip_aug=yes"]) == [
                ConfigIssue(key: "flip_aug", message: "expected true or false, got \"yes\"")
            ])
        #expect(
            issues(requiredTOML, overrides: ["network_dim"]) == [
                ConfigIssue(key: "network_dim", message: "an override must be key=value")
            ])
        #expect(
            issues(requiredTOML, overrides: ["netwrk_dim=4"]) == [
                ConfigIssue(key: "netwrk_dim", message: "unknown option; did you mean \"network_dim\"?")
            ])
        #expect(
            issues(requiredTOML, overrides: ["=4"]) == [
                ConfigIssue(key: "", message: "\"=4\": the key before = is missing")
            ])
    }
}
