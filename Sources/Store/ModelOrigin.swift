import GRDB

/// Where a base model's row comes from, which decides how it leaves the list.
public enum ModelOrigin: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Found in a `--models-dir` folder at start-up; listed while its files are there, removed by removing them.
    case folder
    /// Added by the server itself (the demo model); listed until it is deleted through the API.
    case registered
}
