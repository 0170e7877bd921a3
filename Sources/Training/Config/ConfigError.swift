/// One problem with one key of a training configuration.
public struct ConfigIssue: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key as written in the file or override (kohya's name, or the GUI alias the user wrote); `""` for the
    /// file as a whole.
    public var key: String
    /// What is wrong, with the value and the accepted range where there is one.
    public var message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { key.isEmpty ? message : "\(key): \(message)" }
}

/// Every problem found in a configuration, collected so the user fixes them in one pass (the server returns them as
/// HTTP 400 field errors).
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The problems, in key order.
    public var issues: [ConfigIssue]
    /// The file they come from, when there is one.
    public var file: String?

    public init(issues: [ConfigIssue], file: String? = nil) {
        self.issues = issues
        self.file = file
    }

    public var description: String {
        let head = file.map { "invalid training configuration \($0):" } ?? "invalid training configuration:"
        return ([head] + issues.map { "  \($0)" }).joined(separator: "\n")
    }
}

/// A note about a key that was accepted but changes nothing in lorad (a kohya option for speed or logging, or a
/// GUI-only setting), returned to the caller rather than printed.
public struct ConfigNotice: Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "\(key): \(message)" }
}
