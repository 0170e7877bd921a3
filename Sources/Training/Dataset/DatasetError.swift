/// Why a dataset cannot be loaded at all (problems with single files are reported, not thrown).
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A setting is out of range.
    case invalidSetting(field: String, reason: String)
    /// `train_data_dir` / `reg_data_dir` does not exist or is not a folder.
    case notAFolder(field: String, path: String)
    /// The folder has no `N_name` concept folders; `isConceptFolder` when the folder itself is named `N_name`.
    case noConceptFolders(field: String, path: String, isConceptFolder: Bool)
    /// A folder's entries cannot be listed.
    case unreadableFolder(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSetting(let field, let reason):
            return "\(field): \(reason)"
        case .notAFolder(let field, let path):
            return "\(field): \(path) is not a folder"
        case .noConceptFolders(let field, let path, let isConceptFolder):
            let problem =
                isConceptFolder
                ? "\(path) is itself a concept folder; point \(field) at the folder that contains it"
                : "\(path) has no concept folders named N_name (N = repeats)"
            return """
                \(field): \(problem). Expected layout: \(field)/10_mychar/img001.png with its caption \
                \(field)/10_mychar/img001.txt (10 repeats, class tokens "mychar")
                """
        case .unreadableFolder(let path, let reason):
            return "cannot list \(path): \(reason)"
        }
    }
}
