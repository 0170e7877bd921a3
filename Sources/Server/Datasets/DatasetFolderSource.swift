import Foundation
import Store

/// A folder under one of the server's dataset roots, named by a relative path, copied file by file into staged
/// entries. Symbolic links are resolved and anything whose real path leaves the root is refused.
struct DatasetFolderSource {
    /// The folder's real path (symbolic links resolved).
    let folder: URL
    /// The real path of the root it lies under.
    let root: URL

    /// Finds `relativePath` under the first root that has it.
    init(relativePath: String, roots: [URL]) throws(DatasetImportError) {
        guard !roots.isEmpty else {
            throw .invalidField(field: "path", reason: "the server has no --dataset-root to import folders from")
        }
        if let problem = DatasetPath.problem(with: relativePath) {
            throw .invalidField(field: "path", reason: problem)
        }
        for root in roots {
            let realRoot = URL(fileURLWithPath: root.path).resolvingSymlinksInPath().standardizedFileURL
            let candidate = realRoot.appendingPathComponent(relativePath)
            guard FileManager.default.fileExists(atPath: candidate.path) else { continue }
            let realFolder = candidate.resolvingSymlinksInPath().standardizedFileURL
            guard Self.isInside(realFolder, root: realRoot) else {
                throw .invalidField(field: "path", reason: "leaves the dataset root through a symbolic link")
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: realFolder.path, isDirectory: &isDirectory),
                isDirectory.boolValue
            else { throw .invalidField(field: "path", reason: "is not a folder") }
            folder = realFolder
            self.root = realRoot
            return
        }
        throw .invalidField(field: "path", reason: "no such folder under a dataset root")
    }

    /// Copies every regular file under the folder (paths relative to it) into `entries`; a symbolic link is followed
    /// when its target is a file inside the root.
    func copy(into entries: StagedEntries) throws {
        guard
            let enumerator = FileManager.default.enumerator(
                at: folder, includingPropertiesForKeys: [.isSymbolicLinkKey, .isRegularFileKey, .isDirectoryKey],
                options: [.skipsHiddenFiles])
        else { throw DatasetImportError.invalidField(field: "path", reason: "cannot be read") }
        let base = folder.path.hasSuffix("/") ? folder.path : folder.path + "/"
        for case let url as URL in enumerator {
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(base) else { continue }
            let relative = String(path.dropFirst(base.count))
            let values = try url.resourceValues(forKeys: [.isSymbolicLinkKey, .isRegularFileKey, .isDirectoryKey])
            var source = url
            if values.isSymbolicLink == true {
                let target = url.resolvingSymlinksInPath().standardizedFileURL
                guard Self.isInside(target, root: root) else {
                    throw DatasetImportError.invalidEntry(
                        path: relative, reason: "a symbolic link that leaves the dataset root")
                }
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory) else {
                    throw DatasetImportError.invalidEntry(path: relative, reason: "a broken symbolic link")
                }
                if isDirectory.boolValue {
                    throw DatasetImportError.invalidEntry(
                        path: relative, reason: "symbolic links to folders are not followed")
                }
                source = target
            } else if values.isDirectory == true {
                continue
            } else if values.isRegularFile != true {
                throw DatasetImportError.invalidEntry(path: relative, reason: "not a regular file")
            }
            try entries.add(rawPath: relative) { sink in
                guard let handle = FileHandle(forReadingAtPath: source.path) else {
                    throw DatasetImportError.invalidEntry(path: relative, reason: "cannot be read")
                }
                defer { try? handle.close() }
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { try sink(chunk) }
            }
        }
    }

    static func isInside(_ url: URL, root: URL) -> Bool {
        let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
        return url.path == root.path || url.path.hasPrefix(rootPath)
    }
}
