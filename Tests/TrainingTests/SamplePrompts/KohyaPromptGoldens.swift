import Foundation

/// `Tests/Fixtures/kohya/sample_prompts.json`, written by `tools/make_kohya_prompt_goldens.py` from sd-scripts' own
/// `line_to_prompt_dict` and `load_prompts`.
struct KohyaPromptGoldens: Decodable {
    /// sd-scripts' dict after `sample_image_inference`'s defaults and rounding.
    struct Resolved: Decodable {
        let prompt: String
        let negative_prompt: String
        let width: Int
        let height: Int
        let sample_steps: Int
        let scale: Double
        let seed: UInt64?
        let sample_sampler: String?
    }

    struct Line: Decodable {
        let line: String
        /// The keys of sd-scripts' dict.
        let dict: [String: AnyValue]
        let resolved: Resolved
    }

    struct RejectedLine: Decodable {
        let line: String
    }

    struct File: Decodable {
        let name: String
        let content: String
        let resolved: [Resolved]
    }

    /// Any JSON value; only the keys of sd-scripts' dicts are compared.
    struct AnyValue: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    let lines: [Line]
    let rejected_lines: [RejectedLine]
    let files: [File]

    static func load() throws -> KohyaPromptGoldens {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/kohya/sample_prompts.json")
        return try JSONDecoder().decode(KohyaPromptGoldens.self, from: Data(contentsOf: url))
    }
}
