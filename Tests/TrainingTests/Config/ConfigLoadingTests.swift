import Diffusion
import Foundation
import Testing

@testable import Training

@Suite struct ConfigLoadingTests {
    /// A config as sd-scripts users post them: sections (merged by sd-scripts), options lorad ignores, LoCon args.
    static let kohyaTOML = """
        [model_arguments]
        pretrained_model_name_or_path = "models/sd15.safetensors"
        v2 = false
        v_parameterization = false

        [additional_network_arguments]
        no_metadata = false
        network_module = "networks.lora"
        network_dim = 32
        network_alpha = 16
        network_args = [ "conv_dim=8", "conv_alpha=4", ]
        network_train_unet_only = false
        network_train_text_encoder_only = false
        unet_lr = 1e-4
        text_encoder_lr = 5e-5

        [optimizer_arguments]
        optimizer_type = "adamw8bit"
        learning_rate = 1e-4
        max_grad_norm = 1.0
        lr_scheduler = "cosine_with_restarts"
        lr_warmup_steps = 0.05
        lr_scheduler_num_cycles = 3
        optimizer_args = [ "weight_decay=0.01", "betas=0.9,0.999" ]

        [dataset_arguments]
        cache_latents = true
        cache_latents_to_disk = true
        debug_dataset = false
        vae_batch_size = 4
        train_data_dir = "train/img"
        reg_data_dir = ""
        resolution = "768,512"
        enable_bucket = true
        min_bucket_reso = 320
        max_bucket_reso = 1024
        bucket_reso_steps = 64
        caption_extension = ".txt"
        shuffle_caption = true
        keep_tokens = 1
        caption_dropout_rate = 0.05

        [training_arguments]
        output_dir = "../output"
        output_name = "my_lora"
        save_precision = "fp16"
        save_every_n_epochs = 2
        train_batch_size = 2
        max_token_length = 75
        mem_eff_attn = false
        xformers = true
        max_train_epochs = 10
        max_data_loader_n_workers = 8
        persistent_data_loader_workers = true
        seed = 1234
        gradient_checkpointing = true
        gradient_accumulation_steps = 1
        mixed_precision = "bf16"
        clip_skip = 2
        logging_dir = "logs"
        log_prefix = "my_lora"
        noise_offset = 0.0357
        lowram = false
        min_snr_gamma = 5.0

        [sample_prompt_arguments]
        sample_every_n_epochs = 1
        sample_sampler = "k_euler_a"
        sample_prompts = "prompts.txt"

        [saving_arguments]
        save_model_as = "safetensors"
        """

    @Test func loadsARealisticKohyaTOML() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("cfg/lora.toml", Self.kohyaTOML)
        try folder.write("cfg/prompts.txt", "a portrait --n blurry --w 768 --h 512 --d 1\n")
        let loaded = try TrainingConfig.load(path: path)
        let config = loaded.config
        let base = URL(fileURLWithPath: folder.path + "/cfg").standardizedFileURL.path
        #expect(config.pretrainedModelNameOrPath == base + "/models/sd15.safetensors")
        #expect(config.trainDataDir == base + "/train/img")
        #expect(config.outputDir == URL(fileURLWithPath: folder.path).standardizedFileURL.path + "/output")
        #expect(config.regDataDir == nil)
        #expect(config.networkModule == .lora && config.networkDim == 32 && config.networkAlpha == 16)
        #expect(config.networkArgs.convDim == 8 && config.networkArgs.convAlpha == 4)
        #expect(config.unetLR == 1e-4 && config.textEncoderLR == [5e-5] && config.textEncoderLearningRate == 5e-5)
        #expect(config.optimizerType == "AdamW8bit")
        #expect(
            config.optimizerArgs == [
                KeyValueArgument(key: "weight_decay", value: "0.01"),
                KeyValueArgument(key: "betas", value: "0.9,0.999"),
            ])
        #expect(config.lrScheduler == .cosineWithRestarts && config.lrSchedulerNumCycles == 3)
        #expect(config.lrWarmupSteps == .fraction(0.05))
        #expect(config.resolution == Resolution(width: 768, height: 512))
        #expect(config.enableBucket && config.minBucketReso == 320 && config.maxBucketReso == 1024)
        #expect(config.cacheLatents && config.cacheLatentsToDisk)
        #expect(config.captionExtension == ".txt" && config.shuffleCaption && config.keepTokens == 1)
        #expect(config.captionDropoutRate == 0.05)
        #expect(config.outputName == "my_lora" && config.savePrecision == .fp16 && config.saveEveryNEpochs == 2)
        #expect(config.trainBatchSize == 2 && (config.maxTokenLength ?? 75) == 75 && config.maxTrainEpochs == 10)
        #expect(config.seed == 1234 && config.gradientCheckpointing && config.mixedPrecision == .bf16)
        #expect(config.clipSkip == 2 && config.noiseOffset == 0.0357 && config.minSNRGamma == 5)
        #expect(config.sampleEveryNEpochs == 1 && config.sampleSampler == .eulerAncestral)
        #expect(config.samplePrompts == .file(base + "/prompts.txt"))
        #expect(
            config.samplePromptList == [
                SamplePrompt(
                    index: 0, prompt: "a portrait", negativePrompt: "blurry", width: 768, height: 512, seed: 1,
                    sampler: .eulerAncestral)
            ])
        // Defaults the file does not touch are kohya's.
        #expect(config.maxTrainSteps == 1600 && config.multiresNoiseDiscount == 0.3 && config.priorLossWeight == 1)
        let noticed = Set(loaded.notices.map(\.key))
        #expect(
            noticed == [
                "vae_batch_size", "mem_eff_attn", "xformers", "max_data_loader_n_workers",
                "persistent_data_loader_workers",
                "logging_dir", "log_prefix", "lowram", "debug_dataset",
            ])
    }

    @Test func jsonAndTOMLGiveTheSameConfig() throws {
        let toml = try loadTOML(requiredTOML + "network_dim = 8\ntext_encoder_lr = [1e-5, 2e-5]\nflip_aug = true\n")
        let json = try TrainingConfig.parse(
            #"{"pretrained_model_name_or_path": "/models/sd15.safetensors", "train_data_dir": "/data/img", "resolution": 512, "network_dim": 8, "text_encoder_lr": [1e-5, 2e-5], "flip_aug": true}"#,
            format: .json, baseDirectory: "/base")
        #expect(toml == json)
        #expect(json.config.textEncoderLR == [1e-5, 2e-5] && json.config.textEncoderLearningRate == 1e-5)
    }

    @Test func formatIsChosenByExtensionThenContent() {
        #expect(ConfigFileFormat.detect(path: "a.toml", content: "{") == .toml)
        #expect(ConfigFileFormat.detect(path: "a.JSON", content: "x = 1") == .json)
        #expect(ConfigFileFormat.detect(path: "a.cfg", content: "  \n{\"a\": 1}") == .json)
        #expect(ConfigFileFormat.detect(path: "a", content: "a = 1") == .toml)
    }

    @Test func decodesServerOptions() throws {
        let loaded = try TrainingConfig.decode(
            options: [
                "pretrained_model_name_or_path": .string("models/x.safetensors"), "train_data_dir": .string("/d"),
                "resolution": .array([.integer(768), .integer(512)]), "device": .string("cuda:1"),
                "lora_format": .string("peft"), "sample_prompts": .array([.string("a cat --s 10")]),
                "sample_at_first": .bool(true),
            ], baseDirectory: "/srv/data")
        #expect(loaded.config.pretrainedModelNameOrPath == "/srv/data/models/x.safetensors")
        #expect(loaded.config.resolution == Resolution(width: 768, height: 512))
        #expect(loaded.config.device == .cuda(1) && loaded.config.loraFormat == .peft)
        #expect(loaded.config.samplePromptList.map(\.steps) == [10])
        #expect(loaded.config.samplePromptList.first?.sampler == .ddim)
    }

    /// What `load` reads before it checks anything: sections merged, values as written, relative paths kept.
    @Test func fileOptionsAreTheFileAsWritten() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("cfg/lora.toml", Self.kohyaTOML)
        let options = try TrainingConfig.fileOptions(path: path)
        #expect(options["pretrained_model_name_or_path"] == .string("models/sd15.safetensors"))
        #expect(options["network_dim"] == .integer(32) && options["optimizer_type"] == .string("adamw8bit"))
        #expect(options["model_arguments"] == nil)
        let json = try folder.write("cfg/lora.json", #"{"seed": 3, "sample_prompts": ["a cat"]}"#)
        #expect(
            try TrainingConfig.fileOptions(path: json) == [
                "seed": .integer(3), "sample_prompts": .array([.string("a cat")]),
            ])
        #expect(
            throws: ConfigError(
                issues: [ConfigIssue(key: "", message: "cannot read the file")], file: "/nonexistent/x.toml")
        ) {
            try TrainingConfig.fileOptions(path: "/nonexistent/x.toml")
        }
    }

    @Test func syntaxErrorsAndUnreadableFiles() throws {
        #expect(throws: ConfigError.self) { try loadTOML("a = [") }
        #expect(throws: ConfigError.self) {
            try TrainingConfig.parse("[1, 2]", format: .json, baseDirectory: "/")
        }
        #expect(
            throws: ConfigError(
                issues: [ConfigIssue(key: "", message: "cannot read the file")], file: "/nonexistent/x.toml")
        ) {
            try TrainingConfig.load(path: "/nonexistent/x.toml")
        }
        #expect(
            issues("[a]\nseed = 1\n[b]\nseed = 2\n") == [
                ConfigIssue(key: "seed", message: "set in both [a] and [b]; keep one")
            ])
    }
}
