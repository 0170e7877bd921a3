import Foundation
import GRDB
import Store
import Training

/// What `GET /v1/demo` answers: the demo job the server offers now (the demo config's options with the registered
/// model and dataset ids), or why it offers none.
struct DemoOffer: Encodable, Sendable, Equatable {
    var available: Bool
    /// Why the demo is not available; nil when it is.
    var reason: String?
    /// The registered ids; nil when never registered or deleted.
    var model: String?
    var dataset: String?
    var triggerWord: String?
    /// A short account of the demo for people: the model, what the dataset teaches, how long it takes.
    var description: String?
    /// A `POST /v1/jobs` body; nil when unavailable.
    var job: [String: ConfigValue]?

    enum CodingKeys: String, CodingKey {
        case available, reason, model, dataset, description, job
        case triggerWord = "trigger_word"
    }

    /// Writes every key, the missing values as `null`.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(available, forKey: .available)
        try container.encode(reason, forKey: .reason)
        try container.encode(model, forKey: .model)
        try container.encode(dataset, forKey: .dataset)
        try container.encode(triggerWord, forKey: .triggerWord)
        try container.encode(description, forKey: .description)
        try container.encode(job, forKey: .job)
    }

    /// The offer of the server's demo as the database and the demo folder stand now.
    static func current(_ services: ServerServices) async throws -> DemoOffer {
        let (record, model, imageCount) = try await services.database.writer.read { db in
            let record = try DemoRecord.current(db)
            let model = try record?.modelID.flatMap { try BaseModel.fetchOne(db, key: $0) }
            let imageCount = try record?.datasetID.map {
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dataset_images WHERE dataset_id = ?", arguments: [$0])
            }
            return (record, model, imageCount ?? nil)
        }
        var offer = DemoOffer(available: false, model: record?.modelID, dataset: record?.datasetID)
        guard let record else {
            offer.reason =
                "the demo is registered when a server starts on an empty data directory; this server's data "
                + "directory was in use before the demo shipped, or the server started with --no-demo"
            return offer
        }
        guard let url = services.configuration.demoDirectory else {
            offer.reason = "this server runs without the demo folder (--no-demo, or a build without the demo)"
            return offer
        }
        let folder: DemoFolder
        let options: [String: ConfigValue]
        do {
            folder = try DemoFolder(url: url)
            options = try folder.jobOptions()
        } catch {
            offer.reason = "the demo folder cannot be used: \(error)"
            return offer
        }
        offer.triggerWord = folder.triggerWord
        guard let model else {
            offer.reason = "the demo model was deleted"
            return offer
        }
        guard FileManager.default.fileExists(atPath: model.path) else {
            offer.reason = "the demo model's files are missing from \(model.path)"
            return offer
        }
        guard let datasetID = record.datasetID else {
            offer.reason = "the demo dataset was deleted"
            return offer
        }
        offer.available = true
        offer.job = options.merging(["model": .string(model.id), "dataset": .string(datasetID)]) { $1 }
        offer.description = describe(
            model: model, triggerWord: folder.triggerWord, imageCount: imageCount ?? 0, options: options)
        return offer
    }

    private static func describe(
        model: BaseModel, triggerWord: String, imageCount: Int, options: [String: ConfigValue]
    ) -> String {
        let megabytes = max(1, Int((Double(model.size) / 1_000_000).rounded()))
        var steps = ""
        if case .integer(let count)? = options["max_train_steps"] { steps = " (\(count) steps)" }
        let samples =
            options["sample_prompts"] == nil
            ? "" : " Sample pictures of its prompts appear on the job's page as it learns."
        return "The base model is a small \(model.architecture) model that comes with lorad (\(megabytes) MB); it has "
            + "never seen \"\(triggerWord)\". The demo dataset's \(imageCount) captioned pictures teach it that word: "
            + "training the LoRA takes a few minutes on a CPU\(steps).\(samples)"
    }
}
