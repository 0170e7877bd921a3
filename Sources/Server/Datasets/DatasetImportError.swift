/// Why a dataset import was refused; each case maps to the HTTP status the client gets.
enum DatasetImportError: Error, CustomStringConvertible, Equatable {
    /// A request field (form field, query parameter or JSON key) is invalid: 422.
    case invalidField(field: String, reason: String)
    /// A file of the upload or an entry of an archive is refused: 422 naming the entry.
    case invalidEntry(path: String, reason: String)
    /// The body, an archive's unpacked bytes or the file count went past a configured limit: 413.
    case tooLarge(String)
    /// The body's media type is none the route accepts: 415.
    case unsupportedMediaType(String)

    var description: String {
        switch self {
        case .invalidField(let field, let reason): "\(field): \(reason)"
        case .invalidEntry(let path, let reason): "\(path): \(reason)"
        case .tooLarge(let reason): reason
        case .unsupportedMediaType(let reason): reason
        }
    }

    /// The problem document the client gets.
    var problem: ProblemError {
        switch self {
        case .invalidField(let field, let reason):
            .validation([ProblemError.FieldError(field: field, message: reason)])
        case .invalidEntry(let path, let reason):
            .validation([ProblemError.FieldError(field: path, message: reason)], detail: "\(path): \(reason)")
        case .tooLarge(let reason):
            ProblemError(.contentTooLarge, detail: reason)
        case .unsupportedMediaType(let reason):
            ProblemError(.unsupportedMediaType, detail: reason)
        }
    }

    /// A short account of why a JSON body did not decode.
    static func describe(_ decodingError: any Error) -> String {
        switch decodingError {
        case DecodingError.keyNotFound(let key, _): "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: "not valid JSON"
        }
    }
}
