/// Keys lorad accepts without using: sd-scripts options that change speed, memory or logging but not the trained
/// weights (a notice each), kohya GUI settings with no sd-scripts meaning (a notice each), and sd-scripts options
/// that would change training in a way lorad does not implement (accepted only at their off value, an error
/// otherwise).
enum IgnoredOptions {
    /// sd-scripts options that lorad does not need: attention kernels, data loading, memory placement, logging,
    /// uploads, metadata extras and distributed training. Each maps to the notice shown.
    static let noEffect: [String: String] = {
        var notes: [String: String] = [:]
        for key in ["xformers", "sdpa", "mem_eff_attn"] {
            notes[key] = "lorad picks its own attention kernel"
        }
        for key in [
            "max_data_loader_n_workers", "persistent_data_loader_workers", "vae_batch_size", "cache_info",
            "skip_cache_check", "disable_mmap_load_safetensors", "tokenizer_cache_dir",
        ] {
            notes[key] = "lorad loads data its own way"
        }
        for key in [
            "lowram", "highvram", "no_half_vae", "cpu_offload_checkpointing", "fused_backward_pass", "mem_eff_save",
            "torch_compile", "dynamo_backend",
        ] {
            notes[key] = "lorad manages memory and kernels itself"
        }
        for key in [
            "logging_dir", "log_with", "log_prefix", "log_tracker_name", "log_tracker_config", "log_config",
            "wandb_run_name", "wandb_api_key", "console_log_level", "console_log_file", "console_log_simple",
        ] {
            notes[key] = "lorad reports progress as events instead"
        }
        for key in [
            "huggingface_repo_id", "huggingface_repo_type", "huggingface_path_in_repo", "huggingface_token",
            "huggingface_repo_visibility", "save_state_to_huggingface", "resume_from_huggingface", "async_upload",
        ] {
            notes[key] = "lorad does not upload"
        }
        for key in [
            "metadata_title", "metadata_author", "metadata_description", "metadata_license", "metadata_tags",
            "metadata_usage_hint", "metadata_thumbnail", "metadata_merged_from", "metadata_trigger_phrase",
            "metadata_preprocessor",
        ] {
            notes[key] = "lorad writes its own modelspec metadata"
        }
        for key in [
            "ddp_timeout", "ddp_gradient_as_bucket_view", "ddp_static_graph", "deepspeed", "zero_stage",
            "offload_optimizer_device", "offload_optimizer_nvme_path", "offload_param_device",
            "offload_param_nvme_path", "zero3_init_flag", "zero3_save_16bit_model",
            "fp16_master_weights_and_gradients",
        ] {
            notes[key] = "lorad trains on one device"
        }
        for key in ["huber_schedule", "huber_c", "huber_scale"] {
            notes[key] = "used only with loss_type huber or smooth_l1, which lorad does not implement"
        }
        notes["use_safetensors"] = "lorad always writes safetensors"
        notes["output_config"] = "lorad does not write configs back"
        return notes
    }()

    /// kohya GUI (bmaltais/kohya_ss) settings that are not sd-scripts options: launcher, GUI state, and settings of
    /// model families and adapter types lorad does not train (used only when their checkbox or `LoRA_type` selects
    /// them, which `KohyaGUIKeys` rejects).
    static let guiOnly: Set<String> = [
        "model_list", "save_as_bool", "sdxl", "sdxl_checkbox", "sdxl_no_half_vae", "num_processes", "num_machines",
        "multi_gpu", "gpu_ids",
        "main_process_port", "num_cpu_threads_per_process", "extra_accelerate_launch_args", "dynamo_mode",
        "dynamo_use_dynamic", "dynamo_use_fullgraph", "stop_text_encoder_training", "stop_text_encoder_training_pct",
        "template", "full_path", "use_wandb", "lowvram", "train_on_input", "unit", "factor", "use_cp", "use_tucker",
        "use_scalar", "decompose_both", "bypass_mode", "dora_wd", "rank_dropout_scale", "train_norm", "constrain",
        "rescaled", "block_lr_zero_threshold", "no_token_padding", "learning_rate_te", "learning_rate_te1",
        "learning_rate_te2",
        "t5xxl_lr", "flux1_clip_l", "flux1_t5xxl", "flux1_cache_text_encoder_outputs",
        "flux1_cache_text_encoder_outputs_to_disk", "flux_fused_backward_pass",
        "sd3_cache_text_encoder_outputs", "sd3_cache_text_encoder_outputs_to_disk", "sd3_fused_backward_pass",
        "sd3_text_encoder_batch_size", "ae", "clip_l", "clip_g", "t5xxl", "t5xxl_device", "t5xxl_dtype",
        "t5xxl_max_token_length", "apply_t5_attn_mask", "discrete_flow_shift", "model_prediction_type",
        "timestep_sampling", "guidance_scale", "split_mode", "train_blocks", "blocks_to_swap", "single_blocks_to_swap",
        "double_blocks_to_swap", "blockwise_fused_optimizers", "fused_optimizer_groups", "logit_mean", "logit_std",
        "mode_scale", "weighting_scheme", "save_clip", "save_t5xxl",
        "train_inpainting", "noise_offset_type", "LyCORIS_preset", "conv_dims", "conv_alphas",
    ]

    /// sd-scripts options that change training in ways lorad does not implement, each with its off value(s):
    /// accepted at those (with a notice), an error otherwise. `nil` means only false, 0, "" or [] is off.
    static let unsupported: [String: [ConfigValue]?] = [
        "color_aug": nil, "face_crop_aug_range": nil, "debug_dataset": nil, "alpha_mask": nil, "dataset_class": nil,
        "in_json": nil, "dataset_config": nil, "masked_loss": nil, "conditioning_data_dir": nil, "vae": nil,
        "fp8_base": nil, "fp8_base_unet": nil, "weighted_captions": nil, "scale_v_pred_loss_like_noise_pred": nil,
        "v_pred_like_loss": nil, "debiased_estimation_loss": nil, "adaptive_noise_scale": nil,
        "noise_offset_random_strength": nil, "ip_noise_gamma_random_strength": nil, "zero_terminal_snr": nil,
        "min_timestep": nil, "max_timestep": [.integer(1000)], "loss_type": [.string("l2")],
        "lr_scheduler_type": nil, "lr_scheduler_args": nil, "lr_decay_steps": nil,
        "lr_scheduler_timescale": nil, "lr_scheduler_min_lr_ratio": nil, "dim_from_weights": nil,
        "scale_weight_norms": nil, "base_weights": nil, "base_weights_multiplier": nil, "secondary_separator": nil,
        "enable_wildcard": nil, "cache_text_encoder_outputs": nil, "cache_text_encoder_outputs_to_disk": nil,
        "save_n_epoch_ratio": nil, "initial_epoch": [.integer(1)], "initial_step": nil,
        "skip_until_initial_step": nil, "token_warmup_min": [.integer(1)], "token_warmup_step": nil,
        "resize_interpolation": nil, "dataset_repeats": [.integer(1)], "optimizer_schedulefree_wrapper": nil,
        "down_lr_weight": nil, "mid_lr_weight": nil,
        "up_lr_weight": nil, "block_dims": nil, "block_alphas": nil, "conv_block_dims": nil, "conv_block_alphas": nil,
        "loraplus_lr_ratio": nil, "loraplus_unet_lr_ratio": nil, "loraplus_text_encoder_lr_ratio": nil,
        "block_lr": nil, "additional_parameters": nil, "sdxl_cache_text_encoder_outputs": nil,
        "flux1_checkbox": nil, "sd3_checkbox": nil, "hunyuan_image_checkbox": nil, "anima_checkbox": nil,
        "lumina_checkbox": nil,
    ]

    /// Whether `value` is an off value of unsupported option `key`.
    static func isOff(_ value: ConfigValue, key: String) -> Bool {
        if let offValues = unsupported[key] ?? nil, offValues.contains(value) { return true }
        switch value {
        case .null, .bool(false), .integer(0): return true
        case .double(let number): return number == 0
        case .string(let text): return text.isEmpty || text == "0"
        case .array(let items): return items.isEmpty
        default: return false
        }
    }
}
