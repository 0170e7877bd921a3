import Foundation
import Training

/// Shows a training run's events on the terminal: a progress bar redrawn in place on a TTY (step/total, loss and
/// its running mean, learning rate, it/s, ETA), plain lines otherwise (a log file, a CI job, a pipe).
final class TrainingConsole: @unchecked Sendable {
    private let lock = NSLock()
    private let isTerminal: Bool
    private var barShown = false
    /// Plain-line mode prints a progress line every this many steps (and the last).
    private let lineInterval: Int

    init(isTerminal: Bool = isatty(STDERR_FILENO) != 0, lineInterval: Int = 10) {
        self.isTerminal = isTerminal
        self.lineInterval = lineInterval
    }

    func handle(_ event: TrainingEvent) {
        lock.withLock {
            switch event {
            case .progress(let progress):
                let line = Self.progressLine(progress)
                if isTerminal {
                    write("\r\u{1B}[2K" + line)
                    barShown = true
                } else if progress.step % lineInterval == 0 || progress.step == progress.totalSteps {
                    write(line + "\n")
                }
            case .phase(let phase):
                if let text = Self.describe(phase) { message(text) }
            case .validation(let step, let loss):
                message("step \(step): validation loss \(Self.format(loss))")
            case .sample(let sample):
                message("sample \(sample.promptIndex) at step \(sample.step): \(sample.url.path)")
            case .checkpoint(let checkpoint):
                message(
                    "saved \(checkpoint.url.path) (step \(checkpoint.step), sha256 \(checkpoint.sha256.prefix(12)))")
            case .stateSaved(_, let folder):
                message("saved the training state to \(folder.path)")
            case .log(let level, let text):
                message(level == .info ? text : "\(level.rawValue): \(text)")
            }
        }
    }

    /// A message on its own line, below the bar when one is shown.
    private func message(_ text: String) {
        if barShown {
            write("\n")
            barShown = false
        }
        write(text + "\n")
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    static func progressLine(_ progress: TrainingProgress) -> String {
        let fraction = Double(progress.step) / Double(max(progress.totalSteps, 1))
        let width = 20
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let rates = progress.learningRates.sorted { $0.key < $1.key }.map { "\($0.key) \(format($0.value))" }
        return [
            "\(bar) \(progress.step)/\(progress.totalSteps)", "epoch \(progress.epoch)/\(progress.totalEpochs)",
            "loss \(format(progress.loss)) (avg \(format(progress.smoothedLoss)))",
            "lr " + rates.joined(separator: ", "),
            String(format: "%.2f it/s", progress.stepsPerSecond), "ETA " + duration(progress.secondsRemaining),
        ].joined(separator: "  ")
    }

    static func describe(_ phase: TrainingPhase) -> String? {
        switch phase {
        case .loadingModel: "loading the model"
        case .cachingLatents(let done, let total): done == 0 ? "caching latents of \(total) images" : nil
        case .training: "training"
        case .stopped: "stopped; the state is saved, resume with --set resume=<state folder>"
        case .canceled: "canceled"
        case .finished: "finished"
        }
    }

    static func format(_ value: Float) -> String { String(format: "%.4g", value) }

    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite, seconds >= 0 else { return "?" }
        let total = Int(seconds.rounded())
        return total >= 3600
            ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }
}
