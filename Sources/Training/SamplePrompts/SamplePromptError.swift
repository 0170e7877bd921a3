/// A prompt file or prompt line lorad cannot use.
public struct SamplePromptError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the prompts the problem is.
    public enum Location: Sendable, Equatable {
        /// 1-based line of a `.txt` file or of inline prompt text.
        case line(Int)
        /// 1-based entry of a `.json` list, of `[[prompt.subset]]` in a `.toml` file, or of an inline list.
        case entry(Int)
    }

    /// The file, when the prompts come from one.
    public var file: String?
    /// `nil` for a problem with the file as a whole.
    public var location: Location?
    public var message: String

    public init(file: String? = nil, location: Location? = nil, message: String) {
        self.file = file
        self.location = location
        self.message = message
    }

    public var description: String {
        var place = file ?? "sample prompts"
        switch location {
        case .line(let number): place += ", line \(number)"
        case .entry(let number): place += ", entry \(number)"
        case nil: break
        }
        return "\(place): \(message)"
    }
}
