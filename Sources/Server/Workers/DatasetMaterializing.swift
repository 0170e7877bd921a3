import Foundation

/// Writes a stored dataset to disk as kohya folders (`N_name/` with images and `.txt` captions), which is what the
/// trainer reads. A worker calls it for every job it starts.
public protocol DatasetMaterializing: Sendable {
    func materialize(datasetID: String, into folder: URL) throws
}
