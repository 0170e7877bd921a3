import Foundation

/// Why an operation of the store failed.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// A file in the migrations folder is not named `NNNN_name.sql`.
    case badMigrationName(file: String)
    /// Two migration files share a number.
    case duplicateMigrationNumber(Int, files: [String])
    /// The migrations folder holds no migration, or could not be read.
    case migrationsUnreadable(folder: String, reason: String)
    /// A migration's SQL failed; the database is left at the migration before it.
    case migrationFailed(file: String, reason: String)
    /// The database file could not be opened or migrated (not a database, unreadable, locked).
    case databaseUnusable(path: String, reason: String)
    /// A blob digest is not 64 lowercase hexadecimal digits.
    case invalidDigest(String)
    /// No blob with this digest is in the store.
    case blobNotFound(sha256: String)
    /// Reading or writing a file of the store failed.
    case io(path: String, reason: String)
    /// No job has this id.
    case jobNotFound(id: String)
    /// A field that the schema stores as JSON does not hold valid JSON text.
    case invalidJSON(field: String)
    /// An idempotency key came back with a job that differs from the one first submitted with it.
    case idempotencyKeyReused(key: String)
    /// A dataset image's path could escape the dataset folder or is not a usable file name.
    case unsafeDatasetPath(String, reason: String)
    /// An image row given to `Dataset.insert` belongs to another dataset.
    case datasetMismatch(image: String)

    public var description: String {
        switch self {
        case .badMigrationName(let file):
            return "migration file \(file): name must be NNNN_name.sql (four digits, then letters, digits or _)"
        case .duplicateMigrationNumber(let number, let files):
            return "migrations \(files.joined(separator: ", ")) share the number \(number)"
        case .migrationsUnreadable(let folder, let reason):
            return "migrations folder \(folder): \(reason)"
        case .migrationFailed(let file, let reason):
            return "migration \(file) failed: \(reason)"
        case .databaseUnusable(let path, let reason):
            return "database \(path): \(reason)"
        case .invalidDigest(let digest):
            return "blob digest \"\(digest)\": expected 64 lowercase hexadecimal digits (sha256)"
        case .blobNotFound(let sha256):
            return "blob \(sha256) is not in the store"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        case .jobNotFound(let id):
            return "no job has the id \(id)"
        case .invalidJSON(let field):
            return "\(field): not valid JSON"
        case .idempotencyKeyReused(let key):
            return "idempotency key \"\(key)\" was already used for a different job"
        case .unsafeDatasetPath(let path, let reason):
            return "dataset path \"\(path)\": \(reason)"
        case .datasetMismatch(let image):
            return "image \(image) belongs to another dataset"
        }
    }
}
