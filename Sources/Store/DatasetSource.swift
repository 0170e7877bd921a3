import GRDB

/// How a dataset came in: files uploaded one by one, an archive (zip, tar, tar.gz), or a folder under a dataset root.
public enum DatasetSource: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case upload, archive, folder
}
