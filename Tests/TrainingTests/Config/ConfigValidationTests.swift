import Testing

@testable import Training

@Suite struct ConfigValidationTests {
    /// One wrong value per line: each gives exactly its own issue, naming the key, the value and the range.
    @Test(arguments: [
        ("network_dim = 0", "network_dim", "0 is out of range: expected an integer ≥ 1"),
        ("network_dim = 1.5", "network_dim", "expected an integer ≥ 1, got 1.5"),
        ("network_dim = \"many\"", "network_dim", "expected an integer ≥ 1, got \"many\""),
        ("network_alpha = 0", "network_alpha", "0.0 is out of range: expected a number > 0"),
        ("learning_rate = -1e-4", "learning_rate", "-0.0001 is out of range: expected a number ≥ 0"),
        ("unet_lr = -1", "unet_lr", "-1.0 is out of range: expected a number ≥ 0"),
        (
            "text_encoder_lr = [1e-4, 1e-4, 1e-4]", "text_encoder_lr",
            "[0.0001, 0.0001, 0.0001] has 3 rates; give one, or two (one per SDXL text encoder)"
        ),
        ("text_encoder_lr = -1", "text_encoder_lr", "-1.0 is out of range: expected a number ≥ 0"),
        ("network_dropout = 1", "network_dropout", "1.0 is out of range: expected a number [0, 1)"),
        ("caption_dropout_rate = 1.5", "caption_dropout_rate", "1.5 is out of range: expected a number [0, 1)"),
        (
            "caption_tag_dropout_rate = -0.1", "caption_tag_dropout_rate",
            "-0.1 is out of range: expected a number [0, 1)"
        ),
        ("validation_split = 1.0", "validation_split", "1.0 is out of range: expected a number [0, 1)"),
        ("noise_offset = 2", "noise_offset", "2.0 is out of range: expected a number [0, 1]"),
        ("train_batch_size = 0", "train_batch_size", "0 is out of range: expected an integer ≥ 1"),
        (
            "gradient_accumulation_steps = -2", "gradient_accumulation_steps",
            "-2 is out of range: expected an integer ≥ 1"
        ),
        ("max_train_steps = -5", "max_train_steps", "-5 is out of range: expected an integer ≥ 0"),
        ("keep_tokens = -1", "keep_tokens", "-1 is out of range: expected an integer ≥ 0"),
        ("seed = -3", "seed", "-3 is out of range: expected an integer ≥ 0"),
        ("save_every_n_steps = -1", "save_every_n_steps", "-1 is out of range: expected an integer ≥ 1"),
        ("clip_skip = -1", "clip_skip", "-1 is out of range: expected an integer ≥ 1"),
        ("max_token_length = 100", "max_token_length", "100 is not one of 75, 150, 225"),
        ("max_token_length = 150", "max_token_length", "150 is not supported yet: lorad encodes 75 tokens per prompt"),
        ("v2 = \"yes\"", "v2", "expected true or false, got \"yes\""),
        ("output_name = 5", "output_name", "expected a string, got 5"),
        ("resolution = \"500\"", "resolution", "500 in \"500\" must be a multiple of 8 and ≥ 64"),
        ("resolution = \"768,32\"", "resolution", "32 in \"768,32\" must be a multiple of 8 and ≥ 64"),
        ("resolution = \"a,b\"", "resolution", "expected \"size\" or \"width,height\", got \"a,b\""),
        ("resolution = \"1,2,3\"", "resolution", "expected \"size\" or \"width,height\", got \"1,2,3\""),
        ("bucket_reso_steps = 12", "bucket_reso_steps", "12 must be a multiple of 8"),
        ("mixed_precision = \"fp8\"", "mixed_precision", "\"fp8\" is not one of \"no\", \"fp16\", \"bf16\""),
        ("save_precision = \"fp32\"", "save_precision", "\"fp32\" is not one of \"float\", \"fp16\", \"bf16\""),
        ("save_model_as = \"ckpt\"", "save_model_as", "\"ckpt\" is not supported: lorad saves \"safetensors\" only"),
        (
            "lr_scheduler = \"piecewise_constant\"", "lr_scheduler",
            "\"piecewise_constant\" is not one of \"constant\", \"constant_with_warmup\", \"linear\", \"cosine\", \"cosine_with_restarts\", \"polynomial\", \"inverse_sqrt\", \"cosine_with_min_lr\", \"warmup_stable_decay\""
        ),
        (
            "lr_warmup_steps = 1.5", "lr_warmup_steps",
            "1.5 is neither a whole number of steps nor a fraction in [0, 1) of the total"
        ),
        ("lr_warmup_steps = -1", "lr_warmup_steps", "-1 is out of range: expected steps ≥ 0"),
        ("lr_scheduler_num_cycles = 0", "lr_scheduler_num_cycles", "0 is out of range: expected an integer ≥ 1"),
        ("caption_extension = \"txt\"", "caption_extension", "\"txt\" must start with a dot, like \".txt\""),
        ("device = \"gpu\"", "device", "\"gpu\" is not one of \"auto\", \"cpu\", \"cuda\", \"cuda:N\""),
        ("device = \"cuda:-1\"", "device", "\"cuda:-1\" is not one of \"auto\", \"cpu\", \"cuda\", \"cuda:N\""),
        ("lora_format = \"diffusers\"", "lora_format", "\"diffusers\" is not one of \"kohya\", \"peft\""),
        (
            "network_module = \"networks.lora_flux\"", "network_module",
            "\"networks.lora_flux\" is not supported; lorad trains \"networks.lora\" (LoRA, LoCon with conv_dim) and \"lycoris.kohya\" with algo=locon"
        ),
        ("optimizer_args = [\"weight_decay\"]", "optimizer_args", "\"weight_decay\" is not of the form key=value"),
        ("network_args = [\"conv_dim=0\"]", "network_args", "conv_dim=0: expected a number ≥ 1 (an integer)"),
        ("network_args = [\"rank_dropout=1\"]", "network_args", "rank_dropout=1: expected a number in [0, 1)"),
        (
            "network_args = [\"block_dims=1,2\"]", "network_args",
            "block_dims: network argument not supported by lorad for networks.lora (supported: conv_dim, conv_alpha, rank_dropout, module_dropout)"
        ),
        ("color_aug = true", "color_aug", "true is not supported by lorad; remove the option or turn it off"),
        ("loss_type = \"huber\"", "loss_type", "\"huber\" is not supported by lorad; remove the option or turn it off"),
        ("learning_rat = 1e-4", "learning_rat", "unknown option; did you mean \"learning_rate\"?"),
        ("netwrk_dim = 8", "netwrk_dim", "unknown option; did you mean \"network_dim\"?"),
        ("train_batch_sise = 4", "train_batch_sise", "unknown option; did you mean \"train_batch_size\"?"),
        (
            "pretrained_model_name_or_pth = \"x\"", "pretrained_model_name_or_pth",
            "unknown option; did you mean \"pretrained_model_name_or_path\"?"
        ),
        ("zzzzzzzzzzzz = 1", "zzzzzzzzzzzz", "unknown option"),
    ])
    func rejectsOneValue(line: String, key: String, message: String) {
        let base = key == "resolution" ? requiredWithoutResolution : requiredTOML
        #expect(issues(base + line) == [ConfigIssue(key: key, message: message)])
    }

    @Test func longUnknownKeyGetsNoSuggestion() {
        let key = String(repeating: "network_dim", count: 20)
        #expect(issues(requiredTOML + "\(key) = 1") == [ConfigIssue(key: key, message: "unknown option")])
    }

    @Test func sampleSamplerListsTheSupportedNames() {
        let found = issues(requiredTOML + "sample_sampler = \"heun\"")
        #expect(
            found == [
                ConfigIssue(
                    key: "sample_sampler",
                    message:
                        "\"heun\" is a kohya sampler lorad does not implement; supported: ddim, euler, euler_a, dpmsolver++, k_euler, k_euler_a, dpmpp_2m, dpmpp_2m_karras"
                )
            ])
    }

    @Test func requiredOptions() {
        #expect(
            issues("") == [
                ConfigIssue(key: "pretrained_model_name_or_path", message: "is required"),
                ConfigIssue(key: "train_data_dir", message: "is required"),
                ConfigIssue(key: "resolution", message: "is required (\"size\" or \"width,height\")"),
            ])
    }

    @Test func crossOptionRules() {
        #expect(
            issues(requiredTOML + "enable_bucket = true\nmin_bucket_reso = 1024\nmax_bucket_reso = 512") == [
                ConfigIssue(key: "min_bucket_reso", message: "1024 is larger than max_bucket_reso 512")
            ])
        #expect(
            issues(requiredTOML + "enable_bucket = true\nmin_bucket_reso = 576") == [
                ConfigIssue(key: "min_bucket_reso", message: "576 must not exceed the smaller side of resolution 512")
            ])
        // sd-scripts rounds min down to the step first: 520 → 512 fits a 512 resolution.
        #expect(issues(requiredTOML + "enable_bucket = true\nmin_bucket_reso = 520").isEmpty)
        #expect(
            issues(requiredTOML + "enable_bucket = true\nmax_bucket_reso = 448") == [
                ConfigIssue(key: "max_bucket_reso", message: "448 must not be below the larger side of resolution 512")
            ])
        #expect(
            issues(requiredTOML + "cache_latents = true\nrandom_crop = true") == [
                ConfigIssue(
                    key: "random_crop",
                    message: "cannot be used with cache_latents (a cached latent has one fixed crop)")
            ])
        #expect(
            issues(requiredTOML + "full_fp16 = true\nmixed_precision = \"bf16\"") == [
                ConfigIssue(key: "full_fp16", message: "requires mixed_precision = \"fp16\" (it is \"bf16\")")
            ])
        #expect(
            issues(requiredTOML + "full_bf16 = true") == [
                ConfigIssue(key: "full_bf16", message: "requires mixed_precision = \"bf16\" (it is \"no\")")
            ])
        #expect(
            issues(requiredTOML + "network_train_unet_only = true\nnetwork_train_text_encoder_only = true") == [
                ConfigIssue(
                    key: "network_train_text_encoder_only",
                    message: "cannot be combined with network_train_unet_only (nothing would train)")
            ])
        #expect(
            issues(requiredTOML + "sample_every_n_steps = 100") == [
                ConfigIssue(
                    key: "sample_prompts",
                    message: "is required when sample_every_n_steps, sample_every_n_epochs or sample_at_first is set")
            ])
        #expect(
            issues(requiredTOML + "sample_prompts = [\"a --q 1\"]") == [
                ConfigIssue(
                    key: "sample_prompts",
                    message:
                        "sample prompts, entry 1: unknown option --q; options are --n, --w, --h, --s, --l, --d, --ss, --g, --cn, --ctr, --rcfg, --fs"
                )
            ])
        #expect(issues(requiredTOML + "network_module = \"networks.lora\"\nnetwork_args = [\"algo=locon\"]").count == 1)
    }

    /// Every problem of a file is reported at once.
    @Test func collectsAllIssues() {
        let found = issues("network_dim = 0\nlearning_rate = -1\nnetwork_dims = 4\nresolution = \"63\"")
        #expect(
            found.map(\.key) == [
                "learning_rate", "network_dim", "network_dims", "resolution", "pretrained_model_name_or_path",
                "train_data_dir",
            ])
        #expect(found.first { $0.key == "network_dims" }?.message == "unknown option; did you mean \"network_dim\"?")
    }

    @Test func offValuesOfUnsupportedOptionsAreNoticed() throws {
        let loaded = try loadTOML(
            requiredTOML + "color_aug = false\nmax_timestep = 1000\nvae = \"\"\nloss_type = \"l2\"")
        #expect(Set(loaded.notices.map(\.key)) == ["color_aug", "max_timestep", "vae", "loss_type"])
    }

    @Test func cacheToDiskImpliesCache() throws {
        let loaded = try loadTOML(requiredTOML + "cache_latents_to_disk = true")
        #expect(loaded.config.cacheLatents)
        #expect(
            loaded.notices == [
                ConfigNotice(key: "cache_latents", message: "turned on because cache_latents_to_disk is on")
            ])
    }

    @Test func valueForms() throws {
        let config = try loadTOML(
            requiredWithoutResolution + """
                lr_warmup_steps = "5%"
                max_train_steps = 0
                network_args = ["conv_dim=\\"8\\"", "conv_alpha=2.5"]
                network_module = "lycoris.kohya"
                text_encoder_lr = "1e-5"
                resolution = 512
                """
        ).config
        #expect(config.lrWarmupSteps == .fraction(0.05) && config.maxTrainSteps == 1600)
        #expect(
            config.networkArgs.convDim == 8 && config.networkArgs.convAlpha == 2.5 && config.networkArgs.algo == "locon"
        )
        #expect(config.networkArgs.effectiveConvAlpha == 2.5)
        #expect(config.textEncoderLR == [1e-5])
        #expect(try loadTOML(requiredTOML + "lr_warmup_steps = 30").config.lrWarmupSteps == .steps(30))
        #expect(
            try loadTOML(requiredWithoutResolution + "resolution = [640, 384]").config.resolution
                == Resolution(width: 640, height: 384))
        #expect(
            try loadTOML(requiredTOML + "network_args = [\"conv_dim=4\"]").config.networkArgs.effectiveConvAlpha == 1)
    }
}
