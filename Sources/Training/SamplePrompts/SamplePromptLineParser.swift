/// sd-scripts' prompt-line syntax (`library/train_util.py: line_to_prompt_dict`):
/// `a castle on a hill --n blurry, lowres --w 768 --h 512 --s 28 --l 7 --d 42 --ss euler_a`.
///
/// The line is split at every `" --"`; the first piece is the prompt. Each piece, the first included (a quirk of
/// sd-scripts kept on purpose, so `w 640 …` as a prompt also sets the width), is tried case-insensitively against the
/// options in sd-scripts' order, each matched at the start of the piece only, so trailing text after a number is
/// ignored (`--w 512px` is 512):
///
/// | option | value | dict key |
/// |---|---|---|
/// | `--w N`, `--h N` | digits | width, height |
/// | `--d N` | digits | seed |
/// | `--s N` | digits, clamped to 1…1000 | sample_steps |
/// | `--l X` | digits and dots, as a float | scale |
/// | `--g X` | digits and dots | guidance_scale (ignored for SD) |
/// | `--n TEXT` | the rest of the piece, commas and spaces kept | negative_prompt |
/// | `--ss NAME` | the rest of the piece | sample_sampler |
/// | `--cn`, `--ctr`, `--rcfg`, `--fs` | the rest | other model families (ignored) |
///
/// Where sd-scripts logs a parse error or silently skips a piece (an unknown option, `--w abc`, `--l 1.2.3`), lorad
/// stops with an error instead, so a typo does not silently change the preview. A later option of the same kind
/// wins, as in sd-scripts. Digits are ASCII digits.
public enum SamplePromptLineParser {
    /// Option names sd-scripts' line syntax knows, each with the dict key it sets.
    static let knownOptions: [String: String] = [
        "w": "width", "h": "height", "d": "seed", "s": "sample_steps", "l": "scale", "g": "guidance_scale",
        "n": "negative_prompt", "ss": "sample_sampler", "cn": "controlnet_image", "ctr": "cfg_trunc_ratio",
        "rcfg": "renorm_cfg", "fs": "flow_shift",
    ]

    /// Parses one line (already stripped by the caller where sd-scripts strips). The error message names the option.
    public static func parse(_ line: String) throws(SamplePromptLineError) -> SamplePromptFields {
        let pieces = splitOnOptionMarker(line)
        var fields = SamplePromptFields(prompt: pieces[0])
        for (position, piece) in pieces.enumerated() {
            let matched = try match(piece, into: &fields)
            if !matched && position > 0 {
                let name = String(piece.prefix { $0 != " " })
                if name.isEmpty {
                    throw SamplePromptLineError("\" --\" must be followed by an option name (one of \(optionList))")
                }
                if let key = knownOptions[name.lowercased()] {
                    throw SamplePromptLineError("--\(name) (\(key)) needs a value after one space: \"--\(piece)\"")
                }
                throw SamplePromptLineError("unknown option --\(name); options are \(optionList)")
            }
        }
        return fields
    }

    /// Python's `line.split(" --")`, on Unicode scalars so a combining mark after the marker cannot hide it.
    private static func splitOnOptionMarker(_ line: String) -> [String] {
        let scalars = Array(line.unicodeScalars)
        var pieces: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if index + 2 < scalars.count, scalars[index] == " ", scalars[index + 1] == "-", scalars[index + 2] == "-" {
                pieces.append(String(current))
                current = String.UnicodeScalarView()
                index += 3
            } else {
                current.append(scalars[index])
                index += 1
            }
        }
        pieces.append(String(current))
        return pieces
    }

    private static var optionList: String {
        ["n", "w", "h", "s", "l", "d", "ss", "g", "cn", "ctr", "rcfg", "fs"].map { "--\($0)" }.joined(separator: ", ")
    }

    /// Tries sd-scripts' patterns in its order; `true` when one matched.
    private static func match(_ piece: String, into fields: inout SamplePromptFields) throws(SamplePromptLineError)
        -> Bool
    {
        if let digits = value(of: "w", in: piece, matching: .digits) {
            fields.width = try pixels(digits, option: "w")
        } else if let digits = value(of: "h", in: piece, matching: .digits) {
            fields.height = try pixels(digits, option: "h")
        } else if let digits = value(of: "d", in: piece, matching: .digits) {
            guard let seed = UInt64(digits) else {
                throw SamplePromptLineError("--d \(digits): the seed must be below 2^64")
            }
            fields.seed = seed
        } else if let digits = value(of: "s", in: piece, matching: .digits) {
            // Python's int() has no upper bound; anything past 1000 clamps to 1000 either way.
            fields.sampleSteps = max(1, min(1000, digits.count > 9 ? 1000 : Int(digits)!))
        } else if let number = value(of: "l", in: piece, matching: .digitsAndDots) {
            guard let scale = Double(number), scale.isFinite else {
                throw SamplePromptLineError("--l \(number) is not a number")
            }
            fields.scale = scale
        } else if let number = value(of: "g", in: piece, matching: .digitsAndDots) {
            guard Double(number) != nil else { throw SamplePromptLineError("--g \(number) is not a number") }
            fields.ignoredOptions.append("guidance_scale")
        } else if let text = value(of: "n", in: piece, matching: .rest) {
            fields.negativePrompt = text
        } else if let text = value(of: "ss", in: piece, matching: .rest) {
            fields.sampleSampler = text
        } else if value(of: "cn", in: piece, matching: .rest) != nil {
            fields.ignoredOptions.append("controlnet_image")
        } else if value(of: "ctr", in: piece, matching: .rest) != nil {
            fields.ignoredOptions.append("cfg_trunc_ratio")
        } else if value(of: "rcfg", in: piece, matching: .rest) != nil {
            fields.ignoredOptions.append("renorm_cfg")
        } else if value(of: "fs", in: piece, matching: .rest) != nil {
            fields.ignoredOptions.append("flow_shift")
        } else {
            return false
        }
        return true
    }

    private enum ValuePattern { case digits, digitsAndDots, rest }

    /// The capture of Python's `re.match(f"{name} (pattern)", piece, re.IGNORECASE)`, or `nil`.
    private static func value(of name: String, in piece: String, matching pattern: ValuePattern) -> String? {
        let scalars = Array(piece.unicodeScalars)
        let nameScalars = Array(name.unicodeScalars)
        guard scalars.count > nameScalars.count + 1 else { return nil }
        for (index, scalar) in nameScalars.enumerated()
        where scalars[index].properties.lowercaseMapping != String(scalar) {
            return nil
        }
        guard scalars[nameScalars.count] == " " else { return nil }
        let rest = scalars[(nameScalars.count + 1)...]
        let captured: ArraySlice<Unicode.Scalar>
        switch pattern {
        case .digits: captured = rest.prefix { ("0"..."9").contains($0) }
        case .digitsAndDots: captured = rest.prefix { ("0"..."9").contains($0) || $0 == "." }
        // `.` matches anything but a newline.
        case .rest: captured = rest.prefix { $0 != "\n" }
        }
        guard !captured.isEmpty else { return nil }
        var text = ""
        text.unicodeScalars.append(contentsOf: captured)
        return text
    }

    private static func pixels(_ digits: String, option: String) throws(SamplePromptLineError) -> Int {
        guard digits.count <= 6, let value = Int(digits), value <= SamplePromptValidation.maximumSide else {
            throw SamplePromptLineError("--\(option) \(digits) is larger than \(SamplePromptValidation.maximumSide)")
        }
        return value
    }
}

/// A malformed option in one prompt line; the file reader adds the line number.
public struct SamplePromptLineError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
