import Foundation

/// The records of a pax extended header that matter here: `path` and `size` override the next entry's header.
struct PaxRecords {
    var path: String?
    var size: Int64?

    /// Parses `length key=value\n` records.
    static func parse(_ data: Data, archiveName: String) throws(DatasetImportError) -> PaxRecords {
        let bytes = [UInt8](data)
        var records = PaxRecords()
        var offset = 0
        func corrupt() -> DatasetImportError { .invalidEntry(path: archiveName, reason: "malformed pax header") }
        while offset < bytes.count {
            guard let space = bytes[offset...].firstIndex(of: 0x20),
                let lengthText = String(bytes: bytes[offset..<space], encoding: .ascii),
                let length = Int(lengthText), length > space - offset + 1, offset + length <= bytes.count,
                bytes[offset + length - 1] == 0x0A
            else { throw corrupt() }
            let record = bytes[(space + 1)..<(offset + length - 1)]
            guard let equals = record.firstIndex(of: 0x3D),
                let key = String(bytes: record[record.startIndex..<equals], encoding: .utf8),
                let value = String(bytes: record[(equals + 1)...], encoding: .utf8)
            else { throw corrupt() }
            switch key {
            case "path": records.path = value
            case "size":
                guard let size = Int64(value), size >= 0 else { throw corrupt() }
                records.size = size
            default: break
            }
            offset += length
        }
        return records
    }
}
