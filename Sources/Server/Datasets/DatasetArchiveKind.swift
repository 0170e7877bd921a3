import Foundation

/// The archive formats a dataset can come in, and how each is unpacked into staged entries.
enum DatasetArchiveKind: Equatable {
    case zip, tar, tarGzip

    /// The kind a file name's extension names (`.zip`, `.tar`, `.tar.gz`, `.tgz`), nil for other names.
    init?(fileName: String) {
        let name = fileName.lowercased()
        if name.hasSuffix(".zip") {
            self = .zip
        } else if name.hasSuffix(".tar") {
            self = .tar
        } else if name.hasSuffix(".tar.gz") || name.hasSuffix(".tgz") {
            self = .tarGzip
        } else {
            return nil
        }
    }

    /// The kind a raw body's media type names, nil for other types.
    init?(mediaType: String) {
        switch mediaType {
        case "application/zip", "application/x-zip-compressed": self = .zip
        case "application/x-tar": self = .tar
        case "application/gzip", "application/x-gzip": self = .tarGzip
        default: return nil
        }
    }

    /// Unpacks `file` (called `archiveName` in messages) into `entries`, whose byte limit bounds the unpacked size.
    func unpack(_ file: URL, archiveName: String, into entries: StagedEntries) throws {
        switch self {
        case .zip:
            try ZipExtraction.extract(file, archiveName: archiveName, into: entries)
        case .tar:
            try TarExtraction.extract(file, archiveName: archiveName, into: entries)
        case .tarGzip:
            let (tarFile, handle) = try entries.staging.makeFile()
            do {
                defer { try? handle.close() }
                var inflated: Int64 = 0
                try GzipInflation.inflate(file, archiveName: archiveName, into: handle) { byteCount in
                    inflated += byteCount
                    guard inflated <= entries.maxBytes else {
                        throw DatasetImportError.tooLarge(
                            "\(entries.bytesDescription) is larger than the server's limit of \(entries.maxBytes) bytes"
                        )
                    }
                }
            }
            try TarExtraction.extract(tarFile, archiveName: archiveName, into: entries)
            try? FileManager.default.removeItem(at: tarFile)
        }
    }
}
