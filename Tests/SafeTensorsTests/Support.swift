import Foundation
import SafeTensors
import Testing

/// A file assembled by hand: the length field, `header` verbatim (padded with spaces to a multiple of 8 unless
/// `pad` is false), then `data`. `declaredLength` overrides the length field.
func rawFile(_ header: String, data: [UInt8] = [], pad: Bool = true, declaredLength: UInt64? = nil) -> Data {
    var headerBytes = Array(header.utf8)
    if pad { headerBytes += Array(repeating: UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8) }
    return lengthField(declaredLength ?? UInt64(headerBytes.count)) + Data(headerBytes) + Data(data)
}

/// The 8-byte little-endian header length.
func lengthField(_ length: UInt64) -> Data {
    withUnsafeBytes(of: length.littleEndian) { Data($0) }
}

/// The header length field of a file (its first 8 bytes, little-endian).
func declaredHeaderLength(_ bytes: some Collection<UInt8>) -> UInt64 {
    bytes.prefix(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
}

/// Parses `data`, expecting a `SafeTensorsError`, and returns it so its case can be matched.
@discardableResult
func parseError(_ data: Data, sourceLocation: SourceLocation = #_sourceLocation) -> SafeTensorsError? {
    #expect(throws: SafeTensorsError.self, sourceLocation: sourceLocation) { try SafeTensorsFile(data: data) }
}

/// The stored bytes of one tensor.
func storedBytes(_ file: SafeTensorsFile, _ name: String) throws -> [UInt8] {
    try file.withBytes(name) { Array($0) }
}

/// Reads a file's stored bytes as little-endian 16-bit words.
func words(_ bytes: [UInt8]) -> [UInt16] {
    stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
}

/// Little-endian bytes of fixed-width integers, for building tensors from known bit patterns.
func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
}

/// A fresh empty directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("SafeTensorsTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
