import Diffusion
import LoRA

/// A LoRA training job: sd-scripts' `train_network.py` / `sdxl_train_network.py` options that lorad implements,
/// under kohya's option names (each field's documentation starts with its name) and with kohya's defaults, plus
/// lorad's own `lora_format` and `device`.
///
/// Build one with `TrainingConfig.load(path:overrides:)` (a `.toml` or `.json` file and `--set key=value`
/// overrides) or `TrainingConfig.decode(options:baseDirectory:)` (the server's job JSON). Paths are absolute after
/// loading: a relative path in a file is resolved against the file's folder, in an override against the working
/// directory.
public struct TrainingConfig: Sendable, Equatable {
    // MARK: Model

    /// `pretrained_model_name_or_path`: a diffusers folder or a single-file checkpoint (required).
    public var pretrainedModelNameOrPath: String?
    /// `v2`: the base model is Stable Diffusion 2.x.
    public var v2 = false
    /// `v_parameterization`: the model predicts v (SD 2.x 768), not ε.
    public var vParameterization = false

    // MARK: Output and checkpoints

    /// `output_dir`: where LoRA files, samples and states go; `nil` lets the caller choose (the server does).
    public var outputDir: String?
    /// `output_name`: file name stem; `nil` means sd-scripts' `last`.
    public var outputName: String?
    /// `save_model_as`.
    public var saveModelAs = SaveModelFormat.safetensors
    /// `save_precision`; `nil` saves in the training dtype.
    public var savePrecision: SavePrecision?
    /// `save_every_n_epochs`; `nil` (or 0 in a file) saves only at the end.
    public var saveEveryNEpochs: Int?
    /// `save_every_n_steps`.
    public var saveEveryNSteps: Int?
    /// `save_last_n_epochs`: keep only the newest N epoch checkpoints.
    public var saveLastNEpochs: Int?
    /// `save_last_n_epochs_state`: the same for states (defaults to `save_last_n_epochs`).
    public var saveLastNEpochsState: Int?
    /// `save_last_n_steps`: keep the step checkpoints of the last N steps.
    public var saveLastNSteps: Int?
    /// `save_last_n_steps_state`: the same for states.
    public var saveLastNStepsState: Int?
    /// `save_state`: also save the optimizer and RNG state with each checkpoint, for `resume`.
    public var saveState = false
    /// `save_state_on_train_end`: save the state once training ends.
    public var saveStateOnTrainEnd = false
    /// `resume`: a saved state folder to continue from.
    public var resume: String?
    /// `training_comment`: stored in the file's `ss_training_comment`.
    public var trainingComment: String?
    /// `no_metadata`: write no `ss_*` metadata.
    public var noMetadata = false
    /// lorad's `lora_format`: `kohya` (default) or `peft` key names in the saved file.
    public var loraFormat = LoRAFileFormat.kohya

    // MARK: Dataset

    /// `train_data_dir`: the folder of `N_name` subfolders (required).
    public var trainDataDir: String?
    /// `reg_data_dir`: regularisation images, same layout.
    public var regDataDir: String?
    /// `caption_extension`. lorad's default is `.txt`, falling back to `.caption` per image (kohya's `.caption`
    /// default silently ignores `.txt` captions).
    public var captionExtension = ".txt"
    /// `shuffle_caption`: shuffle the separated tags each step.
    public var shuffleCaption = false
    /// `keep_tokens`: leading tags kept in place when shuffling.
    public var keepTokens = 0
    /// `keep_tokens_separator`: text before it is never shuffled (overrides `keep_tokens`); empty for none.
    public var keepTokensSeparator = ""
    /// `caption_separator`: what separates tags.
    public var captionSeparator = ","
    /// `caption_prefix`: prepended to every caption.
    public var captionPrefix: String?
    /// `caption_suffix`: appended to every caption.
    public var captionSuffix: String?
    /// `caption_dropout_rate`: probability of training an image with an empty caption.
    public var captionDropoutRate = 0.0
    /// `caption_dropout_every_n_epochs`: drop every caption in each Nth epoch; 0 never.
    public var captionDropoutEveryNEpochs = 0
    /// `caption_tag_dropout_rate`: probability of dropping each tag.
    public var captionTagDropoutRate = 0.0
    /// `flip_aug`: random horizontal flips.
    public var flipAug = false
    /// `random_crop`: random instead of centre crops (cannot be combined with `cache_latents`).
    public var randomCrop = false
    /// `resolution`: training size, width × height (required).
    public var resolution: Resolution?
    /// `enable_bucket`: aspect-ratio buckets.
    public var enableBucket = false
    /// `min_bucket_reso`.
    public var minBucketReso = 256
    /// `max_bucket_reso`.
    public var maxBucketReso = 1024
    /// `bucket_reso_steps`: bucket sides are multiples of this (sd-scripts requires 64 for SD 1/2, 32 for SDXL).
    public var bucketResoSteps = 64
    /// `bucket_no_upscale`: never enlarge an image to fill a bucket.
    public var bucketNoUpscale = false
    /// `cache_latents`: encode every image once before training.
    public var cacheLatents = false
    /// `cache_latents_to_disk`: keep that cache on disk between runs (turns `cache_latents` on).
    public var cacheLatentsToDisk = false

    // MARK: Steps and precision

    /// `train_batch_size`.
    public var trainBatchSize = 1
    /// `max_train_steps`.
    public var maxTrainSteps = 1600
    /// `max_train_epochs`: overrides `max_train_steps` when set.
    public var maxTrainEpochs: Int?
    /// `gradient_accumulation_steps`.
    public var gradientAccumulationSteps = 1
    /// `gradient_checkpointing`: recompute activations in the backward pass to save memory.
    public var gradientCheckpointing = false
    /// `mixed_precision`.
    public var mixedPrecision = MixedPrecision.no
    /// `full_fp16`: fp16 gradients too (needs `mixed_precision = "fp16"`).
    public var fullFP16 = false
    /// `full_bf16`: bf16 gradients too (needs `mixed_precision = "bf16"`).
    public var fullBF16 = false
    /// `seed`; `nil` picks a random one.
    public var seed: Int?
    /// `clip_skip`: use the output of the Nth-from-last text encoder layer (1 = last).
    public var clipSkip: Int?
    /// `max_token_length`: 150 or 225 for long prompts; `nil` for 75.
    public var maxTokenLength: Int?
    /// lorad's `device`: `auto` (default), `cpu`, `cuda`, `cuda:N`.
    public var device = DeviceSelection.auto

    // MARK: Optimizer and schedule

    /// `learning_rate`: the rate of any part without its own.
    public var learningRate = 2.0e-6
    /// `unet_lr`: the UNet adapters' rate; `nil` uses `learning_rate`.
    public var unetLR: Double?
    /// `text_encoder_lr`: a number or a list (sd-scripts' `nargs="*"`; the GUI writes two for SDXL). sd-scripts'
    /// `networks.lora` applies the first to every text encoder; `nil` uses `learning_rate`.
    public var textEncoderLR: [Double]?
    /// `lr_scheduler`.
    public var lrScheduler = LearningRateSchedule.Kind.constant
    /// `lr_warmup_steps`: steps, or a fraction (< 1) of the total.
    public var lrWarmupSteps = LearningRateSchedule.StepCount.steps(0)
    /// `lr_scheduler_num_cycles`: restarts of `cosine_with_restarts`.
    public var lrSchedulerNumCycles = 1
    /// `lr_scheduler_power`: exponent of `polynomial`.
    public var lrSchedulerPower = 1.0
    /// `optimizer_type`, in sd-scripts' spelling (`AdamW` when unset, as sd-scripts).
    public var optimizerType = "AdamW"
    /// `optimizer_args`: extra `key=value` arguments.
    public var optimizerArgs: [KeyValueArgument] = []
    /// `max_grad_norm`: gradient clipping norm; 0 disables clipping.
    public var maxGradNorm = 1.0

    // MARK: Network

    /// `network_module`: `networks.lora` when unset (sd-scripts has no default and requires it).
    public var networkModule = NetworkModule.lora
    /// `network_dim`: rank; sd-scripts' `create_network` uses 4 when unset.
    public var networkDim = 4
    /// `network_alpha`: scale is alpha / dim.
    public var networkAlpha = 1.0
    /// `network_dropout`: dropout on the adapters' hidden value, in [0, 1).
    public var networkDropout: Double?
    /// `network_args`.
    public var networkArgs = NetworkArguments()
    /// `network_weights`: a LoRA file to start from.
    public var networkWeights: String?
    /// `network_train_unet_only`.
    public var networkTrainUnetOnly = false
    /// `network_train_text_encoder_only`.
    public var networkTrainTextEncoderOnly = false

    // MARK: Noise and loss

    /// `noise_offset`.
    public var noiseOffset: Double?
    /// `multires_noise_iterations`: pyramid noise levels.
    public var multiresNoiseIterations: Int?
    /// `multires_noise_discount`.
    public var multiresNoiseDiscount = 0.3
    /// `min_snr_gamma`: Min-SNR loss weighting.
    public var minSNRGamma: Double?
    /// `ip_noise_gamma`: input perturbation noise.
    public var ipNoiseGamma: Double?
    /// `prior_loss_weight`: loss weight of regularisation images.
    public var priorLossWeight = 1.0

    // MARK: Validation

    /// `validation_split`: fraction of the training images held out for validation loss, in [0, 1).
    public var validationSplit = 0.0
    /// `validation_seed`: seed of that split; `nil` uses `seed`.
    public var validationSeed: Int?
    /// `validate_every_n_steps`.
    public var validateEveryNSteps: Int?
    /// `validate_every_n_epochs`.
    public var validateEveryNEpochs: Int?
    /// `max_validation_steps`: cap on validation batches.
    public var maxValidationSteps: Int?

    // MARK: Preview samples

    /// `sample_every_n_steps`.
    public var sampleEveryNSteps: Int?
    /// `sample_every_n_epochs` (wins over steps, as in sd-scripts).
    public var sampleEveryNEpochs: Int?
    /// `sample_at_first`: render previews before the first step.
    public var sampleAtFirst = false
    /// `sample_prompts`: where the prompts come from.
    public var samplePrompts: SamplePromptSource?
    /// `sample_sampler`: the prompts' default sampler (kohya's default is `ddim`).
    public var sampleSampler = Sampler.ddim
    /// The prompts of `samplePrompts`, read and checked when the config is loaded.
    public var samplePromptList: [SamplePrompt] = []

    /// A config with every default.
    public init() {}

    /// The text encoders' rate as sd-scripts' `networks.lora` applies it: the first value of `text_encoder_lr` for
    /// every encoder (SDXL's two included), else `learning_rate`.
    public var textEncoderLearningRate: Double { textEncoderLR?.first ?? learningRate }

    /// The rate of the UNet adapters.
    public var unetLearningRate: Double { unetLR ?? learningRate }
}
