import Crypto
import Foundation
import GRDB
import Store
import Training

/// A `POST /v1/jobs` body, checked: the training options (kohya names) with the API's own fields taken out, every
/// problem reported at once as field errors.
struct JobSubmission: Sendable {
    var options: [String: ConfigValue]
    var modelID: String
    var datasetID: String
    var priority: Int
    var webhook: Webhook?
    /// What the options accepted without using (an option lorad ignores, a setting turned on by another).
    var notices: [ConfigNotice]

    /// Options that name files or folders: the server chooses them, so no request value reaches the file system.
    static let serverChosenOptions: [String: String] = [
        "pretrained_model_name_or_path": "chosen by the server: give \"model\", a model id from GET /v1/models",
        "train_data_dir": "chosen by the server: give \"dataset\", a dataset id from GET /v1/datasets",
        "reg_data_dir": "not supported by the server yet: put regularisation images in the dataset's folders",
        "output_dir": "chosen by the server: checkpoints are listed at GET /v1/jobs/{id}/checkpoints",
        "logging_dir": "chosen by the server: metrics are at GET /v1/jobs/{id}/metrics",
        "resume": "chosen by the server: POST /v1/jobs/{id}/retry continues from the last saved state",
        "network_weights": "not supported by the server: it names a file on the server",
        "dataset_config": "not supported by the server: it names a file on the server",
        "device": "chosen by the server: each worker has its own device",
    ]

    static let priorityRange = -1000...1000

    /// The job's webhook fields, checked by `JobWebhook.validate`.
    struct Webhook: Sendable {
        var url: String
        var events: [String]?
        var secret: String?
    }

    /// Checks `object` (the decoded body) against the database's models and datasets. `idempotencyKey`, when
    /// given, also fixes the seed a job without one gets, so that repeating the request repeats the job.
    static func check(
        _ object: [String: ConfigValue], idempotencyKey: String?, scratchFolder: URL, serverWebhookSecret: String?,
        _ db: Database
    ) throws(ProblemError) -> JobSubmission {
        var errors: [ProblemError.FieldError] = []
        func fail(_ field: String, _ message: String) { errors.append(.init(field: field, message: message)) }
        var options = object

        func takeIdentifier(_ field: String) -> String? {
            guard let value = options.removeValue(forKey: field) else {
                fail(field, "is required")
                return nil
            }
            guard case .string(let text) = value, !text.isEmpty else {
                fail(field, "must be a non-empty string, got \(value)")
                return nil
            }
            return text
        }
        var model: BaseModel?
        let modelID = takeIdentifier("model")
        if let modelID {
            do {
                model = try BaseModel.fetchOne(db, key: modelID)
            } catch {
                fail("model", "cannot be looked up: \(error)")
            }
            if model == nil { fail("model", "no model has the id \"\(modelID)\" (GET /v1/models lists them)") }
        }
        let datasetID = takeIdentifier("dataset")
        if let datasetID,
            (try? Row.fetchOne(db, sql: "SELECT 1 FROM datasets WHERE id = ?", arguments: [datasetID])) == nil
        {
            fail("dataset", "no dataset has the id \"\(datasetID)\" (GET /v1/datasets lists them)")
        }
        var priority = 0
        if let value = options.removeValue(forKey: "priority") {
            if case .integer(let number) = value, priorityRange.contains(number) {
                priority = number
            } else {
                fail("priority", "must be an integer from \(priorityRange.lowerBound) to \(priorityRange.upperBound)")
            }
        }

        let webhook = takeWebhook(from: &options, serverSecret: serverWebhookSecret, fail: fail)

        for key in options.keys.sorted() {
            if let reason = serverChosenOptions[key] { fail(key, reason) }
        }
        if case .string = options["sample_prompts"] {
            fail("sample_prompts", "give a list of prompt lines (a string would name a file on the server)")
        }
        if let value = options["output_name"], case .string(let name) = value, !isSafeFileStem(name) {
            fail("output_name", "use 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        if let value = options["caption_extension"], case .string(let text) = value, !isSafeExtension(text) {
            fail("caption_extension", "use a dot and 1 to 16 letters or digits, like \".txt\"")
        }
        // The step-0 sample is the base model's image (a new LoRA's up weights are zero): the job page and the
        // checkpoint grids compare every later sample with it.
        if options["sample_at_first"] == nil || options["sample_at_first"] == .null,
            case .array(let prompts)? = options["sample_prompts"], !prompts.isEmpty
        {
            options["sample_at_first"] = .bool(true)
        }
        if options["seed"] == nil || options["seed"] == .null {
            options["seed"] = .integer(Int(defaultSeed(idempotencyKey: idempotencyKey)))
        }

        // The training options are checked as `lorad train` checks them, with stand-in paths for the server's.
        var notices: [ConfigNotice] = []
        let checkable = options.filter { serverChosenOptions[$0.key] == nil }
        do {
            let loaded = try TrainingConfig.decode(
                options: JobOptions.withServerPaths(
                    checkable, modelPath: model?.path ?? scratchFolder.path, datasetFolder: scratchFolder,
                    outputFolder: scratchFolder),
                baseDirectory: scratchFolder.path)
            notices = loaded.notices
        } catch {
            for issue in error.issues where !errors.contains(where: { $0.field == issue.key }) {
                fail(issue.key.isEmpty ? "body" : issue.key, issue.message)
            }
        }
        guard errors.isEmpty, let modelID, let datasetID else { throw .validation(errors) }
        return JobSubmission(
            options: options, modelID: modelID, datasetID: datasetID, priority: priority, webhook: webhook,
            notices: notices)
    }

    /// Takes `webhook_url`, `webhook_events` and `webhook_secret` out of the options and checks them.
    private static func takeWebhook(
        from options: inout [String: ConfigValue], serverSecret: String?, fail: (String, String) -> Void
    ) -> Webhook? {
        var hasWrongType = false
        func string(_ field: String) -> String? {
            switch options.removeValue(forKey: field) {
            case nil, .null?: return nil
            case .string(let value)?: return value
            case _?:
                fail(field, "must be a string")
                hasWrongType = true
                return nil
            }
        }
        let url = string("webhook_url")
        let secret = string("webhook_secret")
        var events: [String]?
        switch options.removeValue(forKey: "webhook_events") {
        case nil, .null?: break
        case .array(let items)? where items.allSatisfy({ if case .string = $0 { true } else { false } }):
            events = items.compactMap { if case .string(let name) = $0 { name } else { nil } }
        case _?:
            fail("webhook_events", "must be a list of event type names")
            hasWrongType = true
        }
        guard !hasWrongType else { return nil }
        let problems = JobWebhook.validate(url: url, events: events, secret: secret, serverSecret: serverSecret)
        for problem in problems { fail(problem.field, problem.message) }
        guard problems.isEmpty, let url else { return nil }
        return Webhook(url: url, events: events, secret: secret)
    }

    /// A job must have a seed to resume after a restart (the resume state checks it): a random one, or one derived
    /// from the idempotency key so that a repeated submission is the same submission.
    private static func defaultSeed(idempotencyKey: String?) -> UInt32 {
        guard let idempotencyKey else { return UInt32.random(in: 0...UInt32.max) }
        let digest = Array(SHA256.hash(data: Data(idempotencyKey.utf8)))
        return digest.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    private static func isSafeFileStem(_ name: String) -> Bool {
        guard (1...100).contains(name.utf8.count), let first = name.unicodeScalars.first, isASCIIAlphanumeric(first)
        else { return false }
        return name.unicodeScalars.allSatisfy { isASCIIAlphanumeric($0) || "._-".unicodeScalars.contains($0) }
    }

    private static func isSafeExtension(_ text: String) -> Bool {
        guard text.hasPrefix("."), (2...17).contains(text.utf8.count) else { return false }
        return text.unicodeScalars.dropFirst().allSatisfy(isASCIIAlphanumeric)
    }

    private static func isASCIIAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
