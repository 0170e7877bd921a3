import Diffusion
import Testing

@testable import Training

@Suite struct KohyaGUIKeyTests {
    /// A LoRA config saved by the kohya GUI (bmaltais/kohya_ss), trimmed from its test configs but with its quirks:
    /// numbers as strings, blanks as "", zeros for "unset", `xformers` as a string, the prompt text in
    /// `sample_prompts`, GUI-only keys.
    static let guiJSON = """
        {
          "LoRA_type": "Kohya LoCon",
          "LyCORIS_preset": "full",
          "adaptive_noise_scale": 0,
          "additional_parameters": "",
          "bucket_no_upscale": true,
          "bucket_reso_steps": 64,
          "cache_latents": true,
          "cache_latents_to_disk": false,
          "caption_dropout_every_n_epochs": 0.0,
          "caption_dropout_rate": 0,
          "caption_extension": ".txt",
          "clip_skip": "1",
          "color_aug": false,
          "conv_alpha": 8,
          "conv_dim": 16,
          "enable_bucket": true,
          "epoch": 4,
          "flip_aug": false,
          "full_fp16": false,
          "gradient_accumulation_steps": 1,
          "gradient_checkpointing": false,
          "huber_c": 0.1,
          "keep_tokens": "0",
          "learning_rate": 0.0005,
          "logging_dir": "./test/logs",
          "lora_network_weights": "",
          "lr_scheduler": "constant",
          "lr_scheduler_args": "",
          "lr_scheduler_num_cycles": "",
          "lr_scheduler_power": "",
          "lr_warmup": 10,
          "lr_warmup_steps": 0,
          "max_bucket_reso": 2048,
          "max_data_loader_n_workers": "0",
          "max_resolution": "512,512",
          "max_timestep": 1000,
          "max_token_length": "75",
          "max_train_epochs": "",
          "max_train_steps": 0,
          "mem_eff_attn": false,
          "min_bucket_reso": 256,
          "min_snr_gamma": 0,
          "min_timestep": 0,
          "mixed_precision": "bf16",
          "model_list": "custom",
          "module_dropout": 0.1,
          "multires_noise_discount": 0.3,
          "multires_noise_iterations": 6,
          "network_alpha": 1,
          "network_dim": 8,
          "network_dropout": 0,
          "noise_offset": 0.05,
          "noise_offset_type": "Original",
          "num_cpu_threads_per_process": 2,
          "optimizer": "AdamW",
          "optimizer_args": "weight_decay=0.1 betas=0.9,0.99",
          "output_dir": "./test/output",
          "output_name": "locon-AdamW",
          "persistent_data_loader_workers": false,
          "pretrained_model_name_or_path": "runwayml/stable-diffusion-v1-5",
          "prior_loss_weight": 1.0,
          "random_crop": false,
          "rank_dropout": 0,
          "reg_data_dir": "",
          "resume": "",
          "sample_every_n_epochs": 0,
          "sample_every_n_steps": 25,
          "sample_prompts": "a painting of a gas mask , by darius kawasaki --w 448\\na man --d 3",
          "sample_sampler": "euler_a",
          "save_every_n_epochs": 1,
          "save_every_n_steps": 0,
          "save_last_n_steps": 0,
          "save_model_as": "safetensors",
          "save_precision": "fp16",
          "save_state": false,
          "scale_v_pred_loss_like_noise_pred": false,
          "sdxl": false,
          "seed": "1234",
          "shuffle_caption": false,
          "stop_text_encoder_training": 0,
          "text_encoder_lr": 0.0001,
          "train_batch_size": 1,
          "train_data_dir": "./test/img",
          "unet_lr": 0.0001,
          "use_wandb": false,
          "v2": false,
          "v_parameterization": false,
          "vae_batch_size": 0,
          "wandb_api_key": "",
          "weighted_captions": false,
          "xformers": "xformers"
        }
        """

    @Test func loadsAGUIConfig() throws {
        let loaded = try TrainingConfig.parse(Self.guiJSON, format: .json, baseDirectory: "/gui")
        let config = loaded.config
        #expect(config.networkModule == .lora)
        #expect(config.networkArgs.convDim == 16 && config.networkArgs.convAlpha == 8)
        #expect(config.networkArgs.moduleDropout == 0.1 && config.networkArgs.rankDropout == nil)
        #expect(config.networkArgs.raw.map(\.description) == ["conv_dim=16", "conv_alpha=8", "module_dropout=0.1"])
        #expect(config.resolution == Resolution(width: 512, height: 512))
        #expect(config.maxTrainEpochs == 4 && config.maxTrainSteps == 1600)
        #expect(config.lrWarmupSteps == .fraction(0.1))
        #expect(config.optimizerType == "AdamW")
        #expect(config.optimizerArgs.map(\.description) == ["weight_decay=0.1", "betas=0.9,0.99"])
        #expect(config.clipSkip == 1 && config.keepTokens == 0 && config.maxTokenLength == nil)
        #expect(config.seed == 1234 && config.lrSchedulerNumCycles == 1 && config.lrSchedulerPower == 1)
        #expect(config.noiseOffset == 0.05 && config.multiresNoiseIterations == nil)
        #expect(config.minSNRGamma == nil && config.networkDropout == nil)
        #expect(config.unetLR == 1e-4 && config.textEncoderLR == [1e-4])
        #expect(!config.networkTrainUnetOnly && !config.networkTrainTextEncoderOnly)
        #expect(config.sampleEveryNSteps == 25 && config.sampleEveryNEpochs == nil)
        #expect(config.samplePrompts == .text("a painting of a gas mask , by darius kawasaki --w 448\na man --d 3"))
        #expect(config.samplePromptList.map(\.prompt) == ["a painting of a gas mask , by darius kawasaki", "a man"])
        #expect(config.samplePromptList.map(\.width) == [448, 512])
        #expect(config.outputDir == "/gui/test/output" && config.trainDataDir == "/gui/test/img")
        #expect(config.pretrainedModelNameOrPath == "/gui/runwayml/stable-diffusion-v1-5")
        let notices = Dictionary(loaded.notices.map { ($0.key, $0.message) }, uniquingKeysWith: { $1 })
        #expect(notices["multires_noise_iterations"] == "ignored: noise_offset_type is \"Original\"")
        #expect(notices["xformers"] != nil && notices["model_list"] != nil && notices["sdxl"] != nil)
        #expect(notices["LyCORIS_preset"] != nil)
    }

    private func gui(_ extra: String, type: String = "Standard") -> String {
        #"{"LoRA_type": "\#(type)", "pretrained_model_name_or_path": "/m", "train_data_dir": "/d", "max_resolution": "512,512""#
            + extra + "}"
    }

    private func loadGUI(_ extra: String, type: String = "Standard") throws(ConfigError) -> TrainingConfig {
        try TrainingConfig.parse(gui(extra, type: type), format: .json, baseDirectory: "/").config
    }

    @Test func epochOnlyWhenNoStepsGiven() throws {
        #expect(try loadGUI(#", "epoch": 7, "max_train_steps": 0"#).maxTrainEpochs == 7)
        let withSteps = try TrainingConfig.parse(
            gui(#", "epoch": 7, "max_train_steps": 500"#), format: .json, baseDirectory: "/")
        #expect(withSteps.config.maxTrainEpochs == nil && withSteps.config.maxTrainSteps == 500)
        #expect(withSteps.notices.contains { $0.key == "epoch" })
        #expect(try loadGUI(#", "epoch": 7, "max_train_epochs": 3"#).maxTrainEpochs == 3)
    }

    @Test func warmupPercentage() throws {
        #expect(try loadGUI(#", "lr_warmup": 25"#).lrWarmupSteps == .fraction(0.25))
        #expect(try loadGUI(#", "lr_warmup": 100"#).lrWarmupSteps == .fraction(1))
        #expect(try loadGUI(#", "lr_warmup": 10, "lr_warmup_steps": 40"#).lrWarmupSteps == .steps(40))
        #expect(
            throws: ConfigError(issues: [
                ConfigIssue(
                    key: "lr_warmup",
                    message: "150.0 is out of range: expected a number [0, 100] (a percentage of the total steps)")
            ])
        ) { try loadGUI(#", "lr_warmup": 150"#) }
    }

    @Test func loraTypes() throws {
        #expect(try loadGUI(#", "conv_dim": 8"#).networkArgs.convDim == nil)
        let lycoris = try loadGUI(#", "LyCORIS_preset": "full", "conv_dim": 4, "conv_alpha": 2"#, type: "LyCORIS/LoCon")
        #expect(lycoris.networkModule == .lycorisLoCon && lycoris.networkArgs.algo == "locon")
        #expect(lycoris.networkArgs.convDim == 4 && lycoris.networkArgs.convAlpha == 2)
        #expect(
            throws: ConfigError(issues: [
                ConfigIssue(
                    key: "LoRA_type",
                    message:
                        "\"LyCORIS/LoHa\" is not supported; lorad trains \"Standard\", \"Kohya LoCon\" and \"LyCORIS/LoCon\""
                )
            ])
        ) { try loadGUI("", type: "LyCORIS/LoHa") }
        #expect(throws: ConfigError.self) {
            try loadGUI(#", "LyCORIS_preset": "attn-only""#, type: "LyCORIS/LoCon")
        }
    }

    @Test func guiZerosForRatesAndSeed() throws {
        let unetOnly = try loadGUI(#", "text_encoder_lr": 0, "unet_lr": 0.0002, "seed": 0"#)
        #expect(unetOnly.networkTrainUnetOnly && !unetOnly.networkTrainTextEncoderOnly)
        #expect(unetOnly.textEncoderLR == nil && unetOnly.unetLR == 2e-4 && unetOnly.seed == nil)
        let textOnly = try loadGUI(#", "text_encoder_lr": 5e-5, "unet_lr": 0"#)
        #expect(textOnly.networkTrainTextEncoderOnly && textOnly.unetLR == nil)
        let both = try loadGUI(#", "text_encoder_lr": 0, "unet_lr": 0, "learning_rate": 3e-4"#)
        #expect(!both.networkTrainUnetOnly && !both.networkTrainTextEncoderOnly)
        #expect(both.textEncoderLearningRate == 3e-4 && both.unetLearningRate == 3e-4)
        // Outside a GUI config, seed 0 is the seed 0 of sd-scripts.
        #expect(try loadTOML(requiredTOML + "seed = 0").config.seed == 0)
    }

    @Test func renamedKeys() throws {
        let config = try loadGUI(
            #", "optimizer": "Prodigy", "lora_network_weights": "w.safetensors", "caption_extention": ".cap""#)
        #expect(config.optimizerType == "Prodigy" && config.networkWeights == "/w.safetensors")
        #expect(config.captionExtension == ".cap")
        // Presets carry both the old and the new name, one of them blank.
        #expect(
            try loadGUI(#", "lora_network_weights": "", "network_weights": "/n.safetensors""#).networkWeights
                == "/n.safetensors")
        #expect(
            try loadGUI(#", "lora_network_weights": "/o.safetensors", "network_weights": """#).networkWeights
                == "/o.safetensors")
        #expect(try loadTOML(requiredTOML + "use_8bit_adam = true").config.optimizerType == "AdamW8bit")
        #expect(try loadTOML(requiredTOML + "use_lion_optimizer = true").config.optimizerType == "Lion")
        #expect(
            issues(requiredTOML + "optimizer = \"Lion\"\noptimizer_type = \"AdamW\"\n") == [
                ConfigIssue(
                    key: "optimizer",
                    message: "sets optimizer_type (kohya GUI name), which is also given; keep one of them")
            ])
    }

    @Test func noiseTypeMultiresDropsOffset() throws {
        let loaded = try TrainingConfig.parse(
            gui(
                #", "noise_offset_type": "Multires", "noise_offset": 0.1, "multires_noise_iterations": 8, "multires_noise_discount": 0.2"#
            ),
            format: .json, baseDirectory: "/")
        #expect(loaded.config.noiseOffset == nil && loaded.config.multiresNoiseIterations == 8)
        #expect(loaded.config.multiresNoiseDiscount == 0.2)
    }

    @Test func otherModelFamiliesAreRejected() {
        #expect(throws: ConfigError.self) { try loadGUI(#", "flux1_checkbox": true"#) }
        #expect(throws: ConfigError.self) { try loadGUI(#", "additional_parameters": "--foo""#) }
    }
}

@Suite struct KohyaGUITOMLTests {
    /// The TOML the GUI writes for sd-scripts (`config_lora-*.toml`: zeros, blanks and false dropped, keys sorted,
    /// `epoch` kept though sd-scripts ignores it, the prompt text saved to a file).
    @Test func loadsTheTOMLTheGUIHandsToSDScripts() throws {
        let folder = try TemporaryFolder()
        try folder.write("out/sample/prompt.txt", "a gas mask --n blurry\n")
        let path = try folder.write(
            "out/config_lora-20260101-120000.toml",
            """
            bucket_no_upscale = true
            bucket_reso_steps = 64
            cache_latents = true
            caption_extension = ".txt"
            clip_skip = 1
            dynamo_backend = "no"
            enable_bucket = true
            epoch = 4
            gradient_accumulation_steps = 1
            huber_c = 0.1
            huber_scale = 1
            huber_schedule = "snr"
            keep_tokens = 0
            learning_rate = 0.0001
            loss_type = "l2"
            lr_scheduler = "cosine"
            lr_scheduler_args = []
            lr_scheduler_num_cycles = 1
            lr_scheduler_power = 1
            lr_warmup_steps = 0.1
            max_bucket_reso = 2048
            max_data_loader_n_workers = 0
            max_grad_norm = 1
            max_timestep = 1000
            max_token_length = 75
            max_train_steps = 1200
            min_bucket_reso = 256
            mixed_precision = "fp16"
            network_alpha = 1
            network_args = []
            network_dim = 8
            network_module = "networks.lora"
            network_train_unet_only = true
            noise_offset_type = "Original"
            optimizer_type = "AdamW8bit"
            output_dir = "/tmp/lorad-gui-out"
            output_name = "last"
            persistent_data_loader_workers = 0
            pretrained_model_name_or_path = "/models/sd15.safetensors"
            prior_loss_weight = 1
            resolution = "512,512"
            sample_every_n_steps = 50
            sample_prompts = "sample/prompt.txt"
            sample_sampler = "euler_a"
            save_every_n_epochs = 1
            save_model_as = "safetensors"
            save_precision = "fp16"
            train_batch_size = 1
            train_data_dir = "/data/img"
            unet_lr = 0.0001
            wandb_run_name = "last"
            xformers = true
            """)
        let loaded = try TrainingConfig.load(path: path)
        let config = loaded.config
        #expect(config.maxTrainSteps == 1200 && config.maxTrainEpochs == nil)
        #expect(config.lrWarmupSteps == .fraction(0.1) && config.lrScheduler == .cosine)
        #expect(config.networkTrainUnetOnly && config.unetLR == 1e-4 && config.networkArgs.raw.isEmpty)
        #expect(config.clipSkip == 1 && config.maxTokenLength == nil && config.optimizerType == "AdamW8bit")
        #expect(config.samplePromptList.map(\.negativePrompt) == ["blurry"])
        #expect(config.samplePromptList.map(\.sampler) == [.eulerAncestral])
        #expect(
            loaded.notices.contains(
                ConfigNotice(
                    key: "epoch", message: "ignored: max_train_steps or max_train_epochs is given, as in the kohya GUI")
            ))
    }
}

/// The short names people write for the two options every config has.
@Suite struct ShortNameTests {
    @Test func pretrainedModelAndBatchSizeAreAliases() throws {
        let config = try loadTOML(
            """
            pretrained_model = "models/sd15"
            train_data_dir = "/data/img"
            resolution = 512
            batch_size = 3
            """
        ).config
        #expect(config.pretrainedModelNameOrPath == "/base/models/sd15")
        #expect(config.trainBatchSize == 3)
    }
}
