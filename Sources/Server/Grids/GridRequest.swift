import Foundation
import Store
import Training

/// A `POST /v1/jobs/{id}/grid` body checked against its job: every field is optional (the job's sample prompts, all
/// its checkpoints, `GridLimits.defaultWeights`), and every problem is reported at once as a field error.
enum GridRequest {
    static let fields = ["prompts", "checkpoints", "weights", "seed"]

    /// The spec to queue, or a 422 naming each bad field. `checkpoints` are the job's, in step order.
    static func check(
        _ body: [String: ConfigValue], settings: GridJobSettings, checkpoints: [Checkpoint]
    ) throws(ProblemError) -> GridSpec {
        var errors: [ProblemError.FieldError] = []
        func fail(_ field: String, _ message: String) { errors.append(.init(field: field, message: message)) }

        for key in body.keys.sorted() where !fields.contains(key) {
            fail(key, "is not a field of a grid request (give prompts, checkpoints, weights or seed)")
        }
        let prompts = checkPrompts(body["prompts"], settings: settings, fail: fail)
        let names = checkCheckpoints(body["checkpoints"], available: checkpoints.map(\.name), fail: fail)
        let weights = checkWeights(body["weights"], fail: fail)
        var seed: Int?
        switch body["seed"] {
        case nil, .null?: break
        case .integer(let value)? where value >= 0: seed = value
        case let value?: fail("seed", "must be an integer ≥ 0, got \(shown(value))")
        }

        if let prompts, let names, let weights {
            let cells = prompts.count * names.count * weights.count
            if cells > GridLimits.maxCells {
                fail(
                    "body",
                    "\(prompts.count) prompts × \(names.count) checkpoints × \(weights.count) weights make \(cells) images, more than \(GridLimits.maxCells)"
                )
            }
            for (index, prompt) in prompts.enumerated() {
                let pixels = prompt.width * prompt.height * names.count * weights.count
                if pixels > GridLimits.maxMosaicPixels {
                    fail(
                        "prompts[\(index)]",
                        "its \(names.count) × \(weights.count) images of \(prompt.width) × \(prompt.height) make a mosaic of "
                            + "\(pixels) pixels, more than \(GridLimits.maxMosaicPixels): use fewer checkpoints or weights, "
                            + "or a smaller --w/--h"
                    )
                }
            }
        }
        guard errors.isEmpty, let prompts, let names, let weights else { throw .validation(errors) }
        return GridSpec(prompts: prompts.map(\.line), checkpoints: names, weights: weights, seed: seed)
    }

    /// A value for a message, cut short: a hostile body may hold megabytes.
    private static func shown(_ value: ConfigValue) -> String {
        let text = value.description
        return text.count > 80 ? String(text.prefix(80)) + "…" : text
    }

    /// A prompt line with its settings resolved.
    private struct CheckedPrompt {
        var line: String
        var width: Int
        var height: Int
    }

    private static func checkPrompts(
        _ value: ConfigValue?, settings: GridJobSettings, fail: (String, String) -> Void
    ) -> [CheckedPrompt]? {
        let lines: [String]
        switch value {
        case nil, .null?:
            guard !settings.samplePromptLines.isEmpty else {
                fail("prompts", "the job has no sample_prompts: give a list of prompt lines")
                return nil
            }
            guard settings.samplePromptLines.count <= GridLimits.maxPrompts else {
                fail(
                    "prompts",
                    "the job has \(settings.samplePromptLines.count) sample prompts, more than \(GridLimits.maxPrompts): give at most \(GridLimits.maxPrompts)"
                )
                return nil
            }
            lines = settings.samplePromptLines
        case .array(let items)?:
            guard (1...GridLimits.maxPrompts).contains(items.count) else {
                fail("prompts", "give 1 to \(GridLimits.maxPrompts) prompt lines, got \(items.count)")
                return nil
            }
            var strings: [String] = []
            for (index, item) in items.enumerated() {
                guard case .string(let line) = item else {
                    fail("prompts[\(index)]", "must be a prompt line (a string), got \(shown(item))")
                    continue
                }
                strings.append(line)
            }
            guard strings.count == items.count else { return nil }
            lines = strings
        case let value?:
            fail("prompts", "must be a list of prompt lines, got \(shown(value))")
            return nil
        }
        var checked: [CheckedPrompt] = []
        for (index, line) in lines.enumerated() {
            do {
                let prompt = try settings.prompt(line, index: index)
                guard !prompt.prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    fail("prompts[\(index)]", "the prompt is empty")
                    continue
                }
                checked.append(CheckedPrompt(line: line, width: prompt.width, height: prompt.height))
            } catch {
                fail("prompts[\(index)]", error.message)
            }
        }
        return checked.count == lines.count ? checked : nil
    }

    private static func checkCheckpoints(
        _ value: ConfigValue?, available: [String], fail: (String, String) -> Void
    ) -> [String]? {
        switch value {
        case nil, .null?:
            guard available.count <= GridLimits.maxCheckpoints else {
                fail(
                    "checkpoints",
                    "the job has \(available.count) checkpoints, more than \(GridLimits.maxCheckpoints): name at most \(GridLimits.maxCheckpoints)"
                )
                return nil
            }
            return available
        case .array(let items)?:
            guard (1...GridLimits.maxCheckpoints).contains(items.count) else {
                fail("checkpoints", "name 1 to \(GridLimits.maxCheckpoints) checkpoints, got \(items.count)")
                return nil
            }
            var names: [String] = []
            for (index, item) in items.enumerated() {
                guard case .string(let name) = item else {
                    fail("checkpoints[\(index)]", "must be a checkpoint name (a string), got \(shown(item))")
                    continue
                }
                if !available.contains(name) {
                    fail(
                        "checkpoints[\(index)]",
                        "the job has no checkpoint named \"\(name.prefix(200))\" (GET /v1/jobs/{id}/checkpoints lists them)"
                    )
                } else if names.contains(name) {
                    fail("checkpoints[\(index)]", "\"\(name)\" is named twice")
                } else {
                    names.append(name)
                }
            }
            return names.count == items.count ? names : nil
        case let value?:
            fail("checkpoints", "must be a list of checkpoint names, got \(shown(value))")
            return nil
        }
    }

    private static func checkWeights(_ value: ConfigValue?, fail: (String, String) -> Void) -> [Double]? {
        switch value {
        case nil, .null?:
            return GridLimits.defaultWeights
        case .array(let items)?:
            guard (1...GridLimits.maxWeights).contains(items.count) else {
                fail("weights", "give 1 to \(GridLimits.maxWeights) weights, got \(items.count)")
                return nil
            }
            var weights: [Double] = []
            for (index, item) in items.enumerated() {
                let weight: Double
                switch item {
                case .integer(let number): weight = Double(number)
                case .double(let number): weight = number
                default:
                    fail("weights[\(index)]", "must be a number, got \(shown(item))")
                    continue
                }
                let range = GridLimits.weightRange
                if !weight.isFinite || !range.contains(weight) {
                    fail(
                        "weights[\(index)]",
                        "must be a number from \(range.lowerBound) to \(range.upperBound), got \(weight)")
                } else if weights.contains(weight) {
                    fail("weights[\(index)]", "\(weight) is given twice")
                } else {
                    weights.append(weight)
                }
            }
            return weights.count == items.count ? weights : nil
        case let value?:
            fail("weights", "must be a list of numbers, got \(shown(value))")
            return nil
        }
    }
}
