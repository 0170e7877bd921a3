import Foundation
import Training

/// A job's training options (kohya names) as stored in `jobs.config`: one JSON object with sorted keys, so that the
/// same options always give the same text (the idempotency check compares it).
enum JobOptions {
    static func encode(_ options: [String: ConfigValue]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(options), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> [String: ConfigValue] {
        try JSONDecoder().decode([String: ConfigValue].self, from: Data(text.utf8))
    }

    /// The options with the paths only the server chooses: the model, the materialized dataset, the output folder
    /// and, when the job continues, its resume state.
    static func withServerPaths(
        _ options: [String: ConfigValue], modelPath: String, datasetFolder: URL, outputFolder: URL,
        resumeFolder: URL? = nil
    ) -> [String: ConfigValue] {
        var options = options
        options["pretrained_model_name_or_path"] = .string(modelPath)
        options["train_data_dir"] = .string(datasetFolder.path)
        options["output_dir"] = .string(outputFolder.path)
        if let resumeFolder { options["resume"] = .string(resumeFolder.path) }
        return options
    }
}
