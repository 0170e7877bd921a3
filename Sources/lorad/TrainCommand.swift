import ArgumentParser
import Dispatch
import Foundation
import Tensors
import Training

/// `lorad train --config FILE`: one LoRA training run on this machine, with kohya sd-scripts' option names.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a LoRA for an SD 1.x, SD 2.x or SDXL model from a kohya-style dataset folder.",
        discussion: """
            The config file is TOML or JSON with sd-scripts' option names (kohya GUI names are accepted too). \
            Ctrl-C stops after the current step and saves the state; resume with --set resume=<state folder>.
            """)

    @Option(help: "A TOML or JSON file of training options.")
    var config: String

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp("Override an option, e.g. --set max_train_steps=200.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "cpu, cuda, cuda:N or auto (the CPU until the CUDA backend exists). Overrides the config's device.")
    var device: String?

    func run() async throws {
        let loaded: LoadedTrainingConfig
        do {
            let deviceOverride = device.map { ["device=\($0)"] } ?? []
            loaded = try TrainingConfig.load(path: config, overrides: overrides + deviceOverride)
        } catch {
            throw UsageError(error.description)
        }
        for notice in loaded.notices {
            FileHandle.standardError.write(Data("notice: \(notice)\n".utf8))
        }
        let backend = try DeviceChoice.backend(named: loaded.config.device.description)
        let console = TrainingConsole()
        let control = TrainingControl()
        let interrupts = Self.stopOnInterrupt(control, console: console)
        defer { interrupts.cancel() }
        let trainer = Trainer(config: loaded.config, backend: backend, control: control) { console.handle($0) }
        do {
            try trainer.run()
        } catch let error as DatasetError {
            // A dataset that does not fit the expected layout is a problem of the job's options, as a bad key is.
            throw UsageError(error.description)
        }
    }

    /// The first Ctrl-C asks the trainer to stop after the current step and save its state; a second one exits at
    /// once.
    static func stopOnInterrupt(_ control: TrainingControl, console: TrainingConsole) -> DispatchSourceSignal {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            if control.isStopRequested { Foundation.exit(130) }
            console.handle(.log(.notice, "stopping after this step to save the state (Ctrl-C again to quit now)"))
            control.requestStop()
        }
        source.resume()
        return source
    }
}
