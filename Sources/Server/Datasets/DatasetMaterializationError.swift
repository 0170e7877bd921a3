/// Why a dataset could not be written out as a folder.
public enum DatasetMaterializationError: Error, CustomStringConvertible, Equatable {
    /// No dataset has this id.
    case datasetNotFound(id: String)
    /// The destination folder already holds files.
    case folderNotEmpty(path: String)
    /// A stored path would leave the folder (never the case for rows the server stored).
    case unsafePath(String, reason: String)
    /// An image's blob is not in the store.
    case blobMissing(sha256: String)
    /// Reading the database or writing a file failed.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .datasetNotFound(let id): "no dataset has the id \(id)"
        case .folderNotEmpty(let path): "\(path): the folder to write the dataset into is not empty"
        case .unsafePath(let path, let reason): "dataset path \(path): \(reason)"
        case .blobMissing(let sha256): "the image blob \(sha256) is missing from the blob store"
        case .io(let path, let reason): "\(path): \(reason)"
        }
    }
}
