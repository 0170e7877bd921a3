import Diffusion
import Foundation
import Imaging
import LoRA
import Tensors

/// Everything one training run holds: the model on a gradient tape, the LoRA network and its host parameters,
/// the optimizer and schedule, the data plan and the latents, and where the run stands.
final class TrainingSession {
    let config: TrainingConfig
    let tape: GradientTape
    let model: StableDiffusionModel
    let pipeline: TextToImagePipeline
    let layers: [ModelComponent: AdaptableLayers]
    let network: LoRANetwork
    let parameters: AdapterParameters
    let optimizer: any Optimizer
    let schedule: LearningRateSchedule
    let step: LoRATrainingStep
    let data: DatasetPlan
    let latents: TrainingLatents
    let noise: TrainingNoise
    let seed: UInt64
    let outputDirectory: URL
    let outputName: String
    let events: @Sendable (TrainingEvent) -> Void

    /// Optimizer steps per epoch and in the run, and the run's epochs (sd-scripts' arithmetic).
    let stepsPerEpoch: Int
    let totalSteps: Int
    let totalEpochs: Int

    /// sd-scripts' `ss_session_id` and `ss_training_started_at`.
    let sessionID = Int.random(in: 0..<(1 << 32))
    let startedAt = Date()

    var position = TrainingPosition()
    /// LoRA files written so far, for `save_last_n_*`.
    var savedCheckpoints: [(step: Int, epoch: Int, url: URL)] = []
    var smoothedLoss: Float?
    var recentStepTimes: [ContinuousClock.Instant] = []

    init(
        config: TrainingConfig, seed: UInt64, backend: any Backend, data: DatasetPlan, cacheDirectory: URL?,
        events: @escaping @Sendable (TrainingEvent) -> Void
    ) throws {
        self.config = config
        self.seed = seed
        self.events = events
        self.data = data
        outputDirectory = URL(fileURLWithPath: config.outputDir ?? ".")
        outputName = config.outputName ?? "last"

        events(.phase(.loadingModel))
        tape = GradientTape(backend)
        tape.gradientCheckpointing = config.gradientCheckpointing
        tape.setRandom(seed: seed, offset: 0)
        guard let modelPath = config.pretrainedModelNameOrPath else {
            throw TrainerError.missing("pretrained_model_name_or_path")
        }
        model = try StableDiffusionModel.load(from: URL(fileURLWithPath: modelPath), backend: tape)
        pipeline = try TextToImagePipeline(model: model)
        layers = model.adaptableLayers

        network = try Self.makeNetwork(config: config, model: model, layers: layers, seed: seed, on: tape)
        try network.attach(to: layers)
        var rates: [ModelComponent: Double] = [:]
        if !config.networkTrainTextEncoderOnly { rates[.unet] = config.unetLearningRate }
        if !config.networkTrainUnetOnly {
            rates[.textEncoder] = config.textEncoderLearningRate
            rates[.textEncoder2] = config.textEncoderLearningRate
        }
        parameters = AdapterParameters(network: network, learningRates: rates, backend: tape)

        let steps = TrainingSteps(
            batchesPerEpoch: data.batchesPerEpoch, gradientAccumulationSteps: config.gradientAccumulationSteps,
            maxTrainSteps: config.maxTrainSteps, maxTrainEpochs: config.maxTrainEpochs)
        guard steps.stepsPerEpoch > 0 else { throw TrainerError.noTrainingImages }
        (stepsPerEpoch, totalSteps, totalEpochs) = (steps.stepsPerEpoch, steps.maxTrainSteps, steps.epochs)
        optimizer = try OptimizerType(kohyaName: config.optimizerType).makeOptimizer(
            arguments: config.optimizerArgs.map(\.description), learningRate: config.learningRate)
        schedule = try LearningRateSchedule(
            name: config.lrScheduler.rawValue, totalSteps: steps.maxTrainSteps,
            warmup: config.lrScheduler == .constant ? .steps(0) : config.lrWarmupSteps,
            cycles: config.lrSchedulerNumCycles, power: config.lrSchedulerPower, learningRate: config.learningRate)

        let schedulerConfig = try SchedulerConfig(json: model.schedulerConfig)
        var prediction = try PredictionType(config: schedulerConfig)
        if config.vParameterization { prediction = .vPrediction }
        let objective = DiffusionObjective(
            schedule: try NoiseSchedule(config: schedulerConfig, zeroSNRFloor: false), predictionType: prediction,
            minSNRGamma: config.minSNRGamma.map(Float.init))
        step = LoRATrainingStep(
            unet: model.unet, promptEncoder: pipeline.promptEncoder, objective: objective,
            clipSkip: model.architecture == .sdxl ? 1 : (config.clipSkip ?? 1), tape: tape)
        var noiseSettings = NoiseSettings()
        noiseSettings.offset = Float(config.noiseOffset ?? 0)
        noiseSettings.multiresIterations = config.multiresNoiseIterations ?? 0
        noiseSettings.multiresDiscount = Float(config.multiresNoiseDiscount)
        noiseSettings.inputPerturbation = Float(config.ipNoiseGamma ?? 0)
        noise = TrainingNoise(settings: noiseSettings, trainTimesteps: objective.trainTimesteps)
        latents = try TrainingLatents(
            vae: model.vae, backend: tape,
            cache: config.cacheLatents || config.cacheLatentsToDisk
                ? try LatentCache(directory: config.cacheLatentsToDisk ? cacheDirectory : nil) : nil)
    }

    /// A new kohya network over the model's layers, or the one in `network_weights` to continue from.
    static func makeNetwork(
        config: TrainingConfig, model: StableDiffusionModel, layers: [ModelComponent: AdaptableLayers],
        seed: UInt64, on backend: any Backend
    ) throws -> LoRANetwork {
        let dropout = LoRADropout(
            network: Float(config.networkDropout ?? 0), rank: Float(config.networkArgs.rankDropout ?? 0),
            module: Float(config.networkArgs.moduleDropout ?? 0))
        let layout = try LoRAModelLayout(model)
        if let weights = config.networkWeights {
            let file = try LoRAFileReader.read(contentsOf: URL(fileURLWithPath: weights), layout: layout)
            let network = try LoRANetwork.loaded(
                file.modules, layout: layout, layers: layers, multiplier: 1, on: backend)
            for entry in network.entries { entry.module.dropout = dropout }
            return network
        }
        let options = KohyaNetworkOptions(
            networkDim: config.networkDim, networkAlpha: Float(config.networkAlpha),
            convDim: config.networkArgs.convDim, convAlpha: config.networkArgs.effectiveConvAlpha.map(Float.init),
            trainUNet: !config.networkTrainTextEncoderOnly, trainTextEncoders: !config.networkTrainUnetOnly)
        return try LoRANetwork.initialized(
            layout.kohyaModules(options), layers: layers, dropout: dropout, seed: seed, on: backend)
    }
}

/// Where a run stands: optimizer steps done, and the next micro-batch to run (epoch and batch index, 0-based).
struct TrainingPosition: Equatable {
    var step = 0
    var epoch = 0
    var batch = 0
}
