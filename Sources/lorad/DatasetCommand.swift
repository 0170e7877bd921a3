import ArgumentParser
import Foundation
import Training

/// `lorad dataset`: commands on kohya-layout training datasets.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Inspect a training dataset in kohya's DreamBooth folder layout.",
        subcommands: [DatasetCheckCommand.self])
}

/// `lorad dataset check DIR`: what training would see in DIR. Exit status 0 when the dataset is usable, 1 when
/// not, 2 for usage errors.
struct DatasetCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Report a dataset's concepts, captions, problems, buckets and steps.",
        discussion: """
            DIR holds concept folders named N_name (N repeats, name the class tokens), e.g. \
            DIR/10_mychar/img001.png with its caption DIR/10_mychar/img001.txt.
            """)

    @Argument(help: "The training data folder (kohya's train_data_dir).")
    var dir: String

    @Option(help: "Regularisation images folder (kohya's reg_data_dir).")
    var regDataDir: String?

    @Option(help: "Training resolution: SIZE or WIDTH,HEIGHT.")
    var resolution: String = "512"

    @Flag(help: "Sort images into aspect-ratio buckets.")
    var enableBucket = false

    @Option(parsing: .unconditional, help: "Smallest bucket side.")
    var minBucketReso = 256

    @Option(parsing: .unconditional, help: "Largest bucket side.")
    var maxBucketReso = 1024

    @Option(parsing: .unconditional, help: "Bucket sides are multiples of this.")
    var bucketResoSteps = 64

    @Flag(help: "Never enlarge images; buckets follow each image's size.")
    var bucketNoUpscale = false

    @Option(help: "Caption file extension (.txt falls back to .caption).")
    var captionExtension = ".txt"

    @Option(parsing: .unconditional, help: "Images per batch (kohya's train_batch_size).")
    var batchSize = 1

    @Option(parsing: .unconditional, help: "Epochs to train (kohya's max_train_epochs; overrides --max-train-steps).")
    var epochs: Int?

    @Option(parsing: .unconditional, help: "Optimizer steps to train, when --epochs is not given.")
    var maxTrainSteps = 1600

    @Option(parsing: .unconditional, help: "Batches per optimizer step.")
    var gradientAccumulationSteps = 1

    @Option(parsing: .unconditional, help: "Fraction of each concept's images held out for validation.")
    var validationSplit = 0.0

    @Option(parsing: .unconditional, help: "Seed of the validation split.")
    var seed: UInt64 = 0

    @Flag(help: "Print the check as JSON.")
    var json = false

    func run() throws {
        let settings = DatasetSettings(
            trainDataDir: dir, regDataDir: regDataDir, resolution: try parseResolution(),
            enableBucket: enableBucket, minBucketReso: minBucketReso, maxBucketReso: maxBucketReso,
            bucketResoSteps: bucketResoSteps, bucketNoUpscale: bucketNoUpscale, captionExtension: captionExtension,
            trainBatchSize: batchSize, gradientAccumulationSteps: gradientAccumulationSteps,
            maxTrainSteps: maxTrainSteps, maxTrainEpochs: epochs, seed: seed, validationSplit: validationSplit)
        do {
            try settings.validate()
        } catch {
            throw UsageError(Self.optionName(error))
        }
        let check = DatasetCheck.run(settings: settings, reader: ImageProbeReader())
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(check), as: UTF8.self))
        } else {
            print(check.report)
        }
        if !check.isUsable { throw ExitCode(1) }
    }

    private func parseResolution() throws -> DatasetSettings.Resolution {
        let parts = resolution.split(separator: ",", omittingEmptySubsequences: false).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        switch parts.count {
        case 1: if let side = parts[0] { return DatasetSettings.Resolution(side) }
        case 2: if let width = parts[0], let height = parts[1] { return .init(width: width, height: height) }
        default: break
        }
        throw UsageError("--resolution must be SIZE or WIDTH,HEIGHT, got '\(resolution)'")
    }

    /// A settings error in the command's own option names (`--batch-size` for train_batch_size, …).
    private static func optionName(_ error: DatasetError) -> String {
        guard case .invalidSetting(let field, let reason) = error else { return error.description }
        let names = [
            "train_batch_size": "--batch-size", "max_train_epochs": "--epochs",
        ]
        return "\(names[field] ?? "--" + field.replacingOccurrences(of: "_", with: "-")) \(reason)"
    }
}
