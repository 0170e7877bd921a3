import Foundation
import GRDB
import Store

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a stored dataset out as a kohya folder (`<folder>/10_sks dog/a.png` with `a.txt` beside it), as training
/// reads it: images as hard links to their blob files (copies where the file system cannot link), captions from the
/// rows. The images must be treated as read-only: writing to a link would change the stored blob.
public struct DatasetMaterializer: Sendable {
    let database: StoreDatabase
    let blobs: BlobStore

    /// A materializer over the server's database and blob store.
    public init(database: StoreDatabase, blobs: BlobStore) {
        self.database = database
        self.blobs = blobs
    }

    /// Writes dataset `datasetID` into `folder`, which must be missing or empty (it is created), and returns the
    /// images written, in position order.
    @discardableResult
    public func materialize(datasetID: String, into folder: URL) throws(DatasetMaterializationError) -> [DatasetImage] {
        let found: [DatasetImage]?
        do {
            found = try database.writer.read { db in
                guard try Dataset.exists(db, key: datasetID) else { return nil }
                return try DatasetImage.all(datasetID: datasetID, db)
            }
        } catch {
            throw .io(path: "database", reason: "\(error)")
        }
        guard let images = found else { throw .datasetNotFound(id: datasetID) }
        let fileManager = FileManager.default
        if let existing = try? fileManager.contentsOfDirectory(atPath: folder.path), !existing.isEmpty {
            throw .folderNotEmpty(path: folder.path)
        }
        for image in images {
            if let problem = DatasetPath.problem(with: image.fileName) {
                throw .unsafePath(image.fileName, reason: problem)
            }
            let destination = folder.appendingPathComponent(image.fileName)
            let parent = destination.deletingLastPathComponent()
            do {
                try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
            } catch {
                throw .io(path: parent.path, reason: "cannot create the folder")
            }
            let source: URL
            do {
                source = try blobs.url(for: image.blobSHA256)
            } catch {
                throw .blobMissing(sha256: image.blobSHA256)
            }
            guard fileManager.fileExists(atPath: source.path) else { throw .blobMissing(sha256: image.blobSHA256) }
            if link(source.path, destination.path) != 0 {
                // Another file system, or one without hard links: copy instead.
                do {
                    try fileManager.copyItem(at: source, to: destination)
                } catch {
                    throw .io(path: destination.path, reason: "cannot link or copy the image")
                }
            }
            if let caption = image.caption {
                let captionFile = destination.deletingPathExtension().appendingPathExtension("txt")
                guard fileManager.createFile(atPath: captionFile.path, contents: Data(caption.utf8)) else {
                    throw .io(path: captionFile.path, reason: "cannot write the caption")
                }
            }
        }
        return images
    }
}
