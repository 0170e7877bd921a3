import Foundation

/// One `--lora FILE[:WEIGHT]` argument: a LoRA file and the multiplier it is applied with (1 when not given).
/// The weight follows the last colon only when it parses as a number, so paths with colons still work.
struct LoRAArgument: Equatable {
    var path: String
    var weight: Float

    init(_ argument: String) throws {
        if let colon = argument.lastIndex(of: ":"), colon != argument.startIndex,
            let weight = Float(argument[argument.index(after: colon)...])
        {
            guard weight.isFinite else { throw UsageError("--lora \(argument): the weight must be a finite number") }
            (path, self.weight) = (String(argument[..<colon]), weight)
        } else {
            (path, weight) = (argument, 1)
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw UsageError("--lora \(argument): no file at \(path)")
        }
    }
}
