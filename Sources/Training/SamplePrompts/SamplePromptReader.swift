import Diffusion
import Foundation
import TOMLKit

/// Reads preview prompts the way sd-scripts' `load_prompts` does, and resolves each one's settings.
///
/// - `.txt`: lines split at `\n`, `\r\n` or `\r`; each line stripped of whitespace (Python's `str.strip`); a line is
///   skipped when it is blank after stripping or when its first character, before stripping, is `#` (so an indented
///   `#` line is a prompt, as in sd-scripts).
/// - `.json`: a list whose entries are prompt lines (parsed without stripping) or dicts with the keys `prompt`,
///   `negative_prompt`, `width`, `height`, `sample_steps`, `scale`, `seed`, `sample_sampler`.
/// - `.toml`: a `[prompt]` table of defaults and its `[[prompt.subset]]` list; each subset is merged over the
///   defaults (sd-scripts' `dict(**prompt, **subset)` raises on a key given in both; lorad lets the subset win).
public enum SamplePromptReader {
    /// The prompts of `source`, with notices for options that have no effect on SD/SDXL previews.
    public static func read(_ source: SamplePromptSource, defaultSampler: Sampler) throws(SamplePromptError)
        -> SamplePromptList
    {
        let file: String?
        let entries: [Entry]
        switch source {
        case .file(let path):
            file = path
            entries = try readFile(path)
        case .text(let text):
            file = nil
            entries = textEntries(text)
        case .lines(let lines):
            file = nil
            entries = lines.enumerated().map { Entry(location: .entry($0.offset + 1), content: .line($0.element)) }
        }
        var list = SamplePromptList(prompts: [], notices: [])
        for (index, entry) in entries.enumerated() {
            do throws(ValueProblem) {
                let fields: SamplePromptFields
                switch entry.content {
                case .line(let line):
                    do { fields = try SamplePromptLineParser.parse(line) } catch { throw ValueProblem(error.message) }
                case .fields(let given): fields = given
                }
                list.prompts.append(
                    try SamplePromptValidation.resolve(fields, index: index, defaultSampler: defaultSampler))
                for option in fields.ignoredOptions {
                    list.notices.append("prompt \(index + 1): \(option) has no effect on SD/SDXL previews")
                }
            } catch {
                throw SamplePromptError(file: file, location: entry.location, message: error.message)
            }
        }
        return list
    }

    struct Entry {
        enum Content {
            case line(String)
            case fields(SamplePromptFields)
        }
        var location: SamplePromptError.Location
        var content: Content
    }

    private static func readFile(_ path: String) throws(SamplePromptError) -> [Entry] {
        let kind = (path as NSString).pathExtension.lowercased()
        guard ["txt", "toml", "json"].contains(kind) else {
            throw SamplePromptError(file: path, message: "a prompt file must end in .txt, .toml or .json")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SamplePromptError(file: path, message: "cannot read the file (missing or unreadable)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SamplePromptError(file: path, message: "not UTF-8 text")
        }
        do {
            switch kind {
            case "txt": return textEntries(text)
            case "json": return try jsonEntries(data)
            default: return try tomlEntries(text)
            }
        } catch {
            throw SamplePromptError(file: path, location: error.location, message: error.message)
        }
    }

    /// sd-scripts' `.txt` reading: `readlines()`, `strip()`, and `line[0] != "#"`.
    static func textEntries(_ text: String) -> [Entry] {
        var entries: [Entry] = []
        for (number, line) in universalNewlineLines(text).enumerated() {
            let stripped = pythonStrip(line)
            guard !stripped.isEmpty, line.unicodeScalars.first != "#" else { continue }
            entries.append(Entry(location: .line(number + 1), content: .line(stripped)))
        }
        return entries
    }

    private static func jsonEntries(_ data: Data) throws(SamplePromptError) -> [Entry] {
        let items: [ConfigValue]
        do {
            items = try JSONDecoder().decode([ConfigValue].self, from: data)
        } catch {
            throw SamplePromptError(message: "a .json prompt file must be a list of prompt lines or prompt dicts")
        }
        var entries: [Entry] = []
        for (offset, item) in items.enumerated() {
            let location = SamplePromptError.Location.entry(offset + 1)
            switch item {
            case .string(let line): entries.append(Entry(location: location, content: .line(line)))
            case .table(let dict):
                do {
                    entries.append(Entry(location: location, content: .fields(try fields(from: dict))))
                } catch {
                    throw SamplePromptError(location: location, message: error.message)
                }
            default:
                throw SamplePromptError(
                    location: location, message: "expected a prompt line or a dict, got \(item.kindName)")
            }
        }
        return entries
    }

    private static func tomlEntries(_ text: String) throws(SamplePromptError) -> [Entry] {
        let document: ConfigValue
        do {
            document = ConfigFileFormat.convert(try TOMLTable(string: text))
        } catch let error as TOMLParseError {
            throw SamplePromptError(
                location: .line(error.source.begin.line), message: "TOML syntax error: \(error.description)")
        } catch {
            throw SamplePromptError(message: "TOML syntax error: \(error)")
        }
        guard case .table(let root) = document, case .table(let defaults)? = root["prompt"] else {
            throw SamplePromptError(
                message: "a .toml prompt file needs a [prompt] table with [[prompt.subset]] entries")
        }
        guard case .array(let subsets)? = defaults["subset"] else {
            throw SamplePromptError(message: "[prompt] has no [[prompt.subset]] entries")
        }
        var entries: [Entry] = []
        for (offset, subset) in subsets.enumerated() {
            let location = SamplePromptError.Location.entry(offset + 1)
            guard case .table(let own) = subset else {
                throw SamplePromptError(location: location, message: "a [[prompt.subset]] entry must be a table")
            }
            do {
                let merged = defaults.merging(own) { _, subsetValue in subsetValue }
                entries.append(Entry(location: location, content: .fields(try fields(from: merged))))
            } catch {
                throw SamplePromptError(location: location, message: error.message)
            }
        }
        return entries
    }

    /// A prompt dict of a `.json` or `.toml` file, under sd-scripts' dict keys.
    static func fields(from dict: [String: ConfigValue]) throws(ValueProblem) -> SamplePromptFields {
        var fields = SamplePromptFields()
        for key in dict.keys.sorted() {
            let value = dict[key]!
            switch key {
            case "prompt": fields.prompt = try string(value, key)
            case "negative_prompt": fields.negativePrompt = try string(value, key)
            case "width": fields.width = try integer(value, key)
            case "height": fields.height = try integer(value, key)
            case "sample_steps": fields.sampleSteps = try integer(value, key)
            case "scale":
                guard let number = value.number else { throw ValueProblem("scale: expected a number, got \(value)") }
                fields.scale = number
            case "seed":
                let seed = try integer(value, key)
                guard seed >= 0 else { throw ValueProblem("seed: expected an integer ≥ 0, got \(value)") }
                fields.seed = UInt64(seed)
            case "sample_sampler": fields.sampleSampler = try string(value, key)
            case "guidance_scale", "controlnet_image", "cfg_trunc_ratio", "renorm_cfg", "flow_shift":
                fields.ignoredOptions.append(key)
            // Bookkeeping keys sd-scripts removes or overwrites.
            case "subset", "enum": break
            default:
                throw ValueProblem(
                    "unknown prompt key \"\(key)\"; keys are prompt, negative_prompt, width, height, sample_steps, scale, seed, sample_sampler"
                )
            }
        }
        return fields
    }

    private static func string(_ value: ConfigValue, _ key: String) throws(ValueProblem) -> String {
        guard case .string(let text) = value else { throw ValueProblem("\(key): expected a string, got \(value)") }
        return text
    }

    private static func integer(_ value: ConfigValue, _ key: String) throws(ValueProblem) -> Int {
        guard let number = value.integer else { throw ValueProblem("\(key): expected an integer, got \(value)") }
        return number
    }

    /// Python's universal-newline `readlines()`, without the line ends.
    static func universalNewlineLines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var pending = scalars.next()
        while let scalar = pending {
            pending = scalars.next()
            if scalar == "\n" || scalar == "\r" {
                if scalar == "\r", pending == "\n" { pending = scalars.next() }
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }

    /// Python's `str.strip()`: Unicode White_Space plus the separators U+001C…U+001F.
    static func pythonStrip(_ text: String) -> String {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
        }
        var scalars = Substring(text).unicodeScalars
        while let first = scalars.first, isSpace(first) { scalars.removeFirst() }
        while let last = scalars.last, isSpace(last) { scalars.removeLast() }
        return String(scalars)
    }
}

/// Prompts read from a source, and notes on options that changed nothing.
public struct SamplePromptList: Sendable, Equatable {
    public var prompts: [SamplePrompt]
    public var notices: [String]
}
