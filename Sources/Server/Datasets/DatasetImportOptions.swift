import Store
import Training

/// The dataset's name and where images given without a kohya folder go (`<repeats>_<class_tokens>/`), read from
/// form fields, query parameters or JSON keys.
struct DatasetImportOptions: Equatable {
    var name: String
    var repeats: Int
    var classTokens: String

    static let defaultRepeats = 10
    static let maxNameLength = 200
    /// The most repeats a concept folder may ask for.
    static let maxRepeats = 1_000_000

    /// The folder of images that come without one.
    var defaultFolder: String { "\(repeats)_\(classTokens)" }

    /// Validates the values a client gave (nil where it gave none); `fallbackName` names a dataset given no name.
    init(name: String?, repeats: String?, classTokens: String?, fallbackName: String) throws(DatasetImportError) {
        let name = name ?? fallbackName
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalidField(field: "name", reason: "must not be empty")
        }
        guard name.count <= Self.maxNameLength else {
            throw .invalidField(field: "name", reason: "must be at most \(Self.maxNameLength) characters")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidField(field: "name", reason: "must not contain control characters")
        }
        var repeatCount = Self.defaultRepeats
        if let repeats {
            guard let parsed = Int(repeats), parsed >= 1, parsed <= Self.maxRepeats else {
                throw .invalidField(field: "repeats", reason: "must be a whole number from 1 to \(Self.maxRepeats)")
            }
            repeatCount = parsed
        }
        let tokens = classTokens ?? name
        let field = classTokens == nil ? "name" : "class_tokens"
        guard !tokens.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalidField(field: "class_tokens", reason: "must not be empty")
        }
        if let problem = DatasetPath.problem(with: "\(repeatCount)_\(tokens)") {
            throw .invalidField(field: field, reason: "cannot name the folder \(repeatCount)_…: \(problem)")
        }
        if tokens.contains("/") {
            throw .invalidField(field: field, reason: "cannot name the folder \(repeatCount)_…: it contains '/'")
        }
        self.name = name
        self.repeats = repeatCount
        self.classTokens = tokens
    }
}
