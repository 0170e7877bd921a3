import Foundation

/// Unpacks a zip archive into staged entries. Entries are found through the central directory (zip64 included);
/// stored and deflated files are accepted, symbolic links and other special files refused with the entry's name,
/// and the bytes are counted as they inflate: the sizes the archive declares are only checked afterwards, never
/// trusted.
enum ZipExtraction {
    static func extract(_ archiveFile: URL, archiveName: String, into entries: StagedEntries) throws {
        guard let handle = FileHandle(forReadingAtPath: archiveFile.path) else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: archiveFile.path])
        }
        defer { try? handle.close() }
        let reader = ZipFileReader(handle: handle, archiveName: archiveName)
        for entry in try reader.centralDirectory() {
            switch entry.kind {
            case .folder:
                continue
            case .symbolicLink:
                throw DatasetImportError.invalidEntry(path: entry.name, reason: "symbolic links are not allowed")
            case .special:
                throw DatasetImportError.invalidEntry(
                    path: entry.name, reason: "only regular files and folders are allowed")
            case .file:
                try entries.add(rawPath: entry.name) { sink in try reader.unpack(entry, into: sink) }
            }
        }
    }
}
