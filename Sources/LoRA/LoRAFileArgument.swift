import Foundation

/// A `--lora FILE[:WEIGHT]` argument: the file and its multiplier (1 when absent).
public struct LoRAFileArgument: Sendable, Equatable {
    public var file: URL
    public var weight: Float

    public init(file: URL, weight: Float = 1) {
        self.file = file
        self.weight = weight
    }

    /// The weight follows the last `:` when that part is a number, so paths with colons still work.
    public init(parsing argument: String) throws {
        if let colon = argument.lastIndex(of: ":") {
            let tail = argument[argument.index(after: colon)...]
            if let weight = Float(tail) {
                guard weight.isFinite else {
                    throw LoRAFormatError.invalidArgument(argument, reason: "the weight is not finite")
                }
                guard colon != argument.startIndex else {
                    throw LoRAFormatError.invalidArgument(argument, reason: "no file")
                }
                file = URL(fileURLWithPath: String(argument[..<colon]))
                self.weight = weight
                return
            }
        }
        guard !argument.isEmpty else { throw LoRAFormatError.invalidArgument(argument, reason: "no file") }
        file = URL(fileURLWithPath: argument)
        weight = 1
    }
}
