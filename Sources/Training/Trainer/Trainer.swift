import Diffusion
import Foundation
import Tensors

/// A LoRA training run as sd-scripts' `train_network.py` runs one, on any backend: load the model, build the
/// network, plan the dataset and its latents, then step through the epochs, reporting through `events` and
/// obeying `control` between steps. The command line and the server both run jobs through it.
public final class Trainer {
    public let config: TrainingConfig
    let backend: any Backend
    let control: TrainingControl
    let cacheDirectory: URL?
    let events: @Sendable (TrainingEvent) -> Void

    /// The file in a resume-state folder (`save_state`, `resume`) that holds the whole state.
    public static let resumeStateFileName = ResumeState.fileName

    /// `cacheDirectory` holds `cache_latents_to_disk` files (default: `<output_dir>/.latent-cache`).
    public init(
        config: TrainingConfig, backend: any Backend, control: TrainingControl = TrainingControl(),
        cacheDirectory: URL? = nil, events: @escaping @Sendable (TrainingEvent) -> Void
    ) {
        self.config = config
        self.backend = backend
        self.control = control
        self.cacheDirectory = cacheDirectory
        self.events = events
    }

    /// Trains to the end (returns `true`) or until a stop request, after saving the state (returns `false`).
    @discardableResult
    public func run() throws -> Bool {
        let seed = config.seed.map { UInt64(truncatingIfNeeded: $0) } ?? UInt64.random(in: 0..<(1 << 32))
        if config.seed == nil { events(.log(.notice, "seed: \(seed) (none given)")) }
        if config.mixedPrecision != .no && backend.device == .cpu {
            events(.log(.notice, "mixed_precision \(config.mixedPrecision.rawValue): the CPU computes in float32"))
        }
        let settings = try DatasetSettings(config: config, seed: seed)
        let data = try DatasetPlan(settings: settings, reader: ImageProbeReader())
        // The dataset check's warnings (a concept without any caption file, images below the resolution, …).
        for warning in DatasetCheck.run(settings: settings, reader: ImageProbeReader()).warnings {
            events(.log(.warning, warning))
        }
        // Unreadable files are among the check's warnings already; images no bucket fits are not.
        for skipped in data.training.skipped where !skipped.reason.hasPrefix("unreadable") {
            events(.log(.warning, "skipped \(skipped.path): \(skipped.reason)"))
        }
        let output = URL(fileURLWithPath: config.outputDir ?? ".")
        let session = try TrainingSession(
            config: config, seed: seed, backend: backend, data: data,
            cacheDirectory: cacheDirectory ?? output.appendingPathComponent(".latent-cache"), events: events)
        if let resume = config.resume { try session.restore(from: URL(fileURLWithPath: resume)) }
        return try session.train(control: control)
    }
}
