import Foundation

/// Collects tensors, then writes them as a safetensors file laid out exactly as the Python `safetensors` package
/// (0.8) lays it out, so the same content gives the same bytes:
/// - data ordered by dtype, widest first in the Rust crate's dtype order, then by name (byte order), which keeps
///   every tensor aligned to its element size;
/// - header keys in that same order, after `__metadata__`, which is left out when there is no metadata (Python's
///   default `metadata=None`); metadata keys sorted by name (Python's order is a hash map's, i.e. random);
/// - compact JSON, padded with spaces to a multiple of 8 bytes.
public struct SafeTensorsWriter: Sendable {
    public var metadata: [String: String]
    private var tensors: [String: PendingTensor] = [:]

    private struct PendingTensor: Sendable {
        let dtype: SafeTensorsDType
        let shape: [Int]
        let bytes: [UInt8]
    }

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Adds a tensor from its stored bytes (little-endian, C order), which must be exactly
    /// `product(shape) * dtype.byteSize` long.
    public mutating func add(_ name: String, dtype: SafeTensorsDType, shape: [Int], bytes: [UInt8]) throws {
        let expected = try Self.validate(name, dtype: dtype, shape: shape)
        guard tensors[name] == nil else { throw SafeTensorsError.duplicateTensor(name: name) }
        guard bytes.count == expected else {
            throw SafeTensorsError.byteCountMismatch(
                tensor: name, dtype: dtype, shape: shape, expected: expected, given: bytes.count)
        }
        tensors[name] = PendingTensor(dtype: dtype, shape: shape, bytes: bytes)
    }

    /// Adds a tensor from `Float` values in C order, encoded as F32, F64, F16 or BF16. F16 and BF16 round to
    /// nearest, ties to even; values beyond their range become infinities and NaNs stay NaN.
    public mutating func add(
        _ name: String, shape: [Int], floats: [Float], as dtype: SafeTensorsDType = .float32
    ) throws {
        let byteCount = try Self.validate(name, dtype: dtype, shape: shape)
        let elementCount = byteCount / dtype.byteSize
        guard floats.count == elementCount else {
            throw SafeTensorsError.elementCountMismatch(
                tensor: name, shape: shape, expected: elementCount, given: floats.count)
        }
        guard let bytes = FloatConversion.bytes(floats, as: dtype) else {
            throw SafeTensorsError.unsupportedConversion(tensor: name, dtype: dtype)
        }
        try add(name, dtype: dtype, shape: shape, bytes: bytes)
    }

    /// The complete file contents.
    public func serialized() throws -> Data {
        var data = Data()
        for part in try parts() { data.append(contentsOf: part) }
        return data
    }

    /// Writes the file atomically: readers of `url` (including memory-mapped `SafeTensorsFile`s) see either the
    /// old file or the complete new one, never a partial write, even across a crash.
    public func write(to url: URL) throws {
        try AtomicFile.replace(url, with: try parts())
    }

    /// Checks the name and shape and returns the tensor's byte count.
    private static func validate(_ name: String, dtype: SafeTensorsDType, shape: [Int]) throws -> Int {
        guard name != "__metadata__" else {
            throw SafeTensorsError.invalidTensorName(name: name, reason: "reserved for the header's metadata")
        }
        if let index = shape.firstIndex(where: { $0 < 0 }) {
            throw SafeTensorsError.invalidShape(tensor: name, reason: "dimension \(index): \(shape[index]) is negative")
        }
        guard let count = byteCount(of: shape, dtype) else {
            throw SafeTensorsError.sizeOverflow(tensor: name, dtype: dtype, shape: shape)
        }
        return count
    }

    /// The file as the length field plus header, followed by each tensor's bytes in layout order.
    private func parts() throws -> [[UInt8]] {
        let ordered = tensors.sorted { left, right in
            let (leftRank, rightRank) = (left.value.dtype.serializationRank, right.value.dtype.serializationRank)
            if leftRank != rightRank { return leftRank > rightRank }
            return left.key.utf8.lexicographicallyPrecedes(right.key.utf8)
        }

        var fields: [[UInt8]] = []
        if !metadata.isEmpty {
            var field = Array(#""__metadata__":{"#.utf8)
            let entries = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (index, (key, value)) in entries.enumerated() {
                if index > 0 { field.append(UInt8(ascii: ",")) }
                HeaderEncoding.appendString(key, to: &field)
                field.append(UInt8(ascii: ":"))
                HeaderEncoding.appendString(value, to: &field)
            }
            field.append(UInt8(ascii: "}"))
            fields.append(field)
        }
        var offset = 0
        for (name, tensor) in ordered {
            let (end, overflow) = offset.addingReportingOverflow(tensor.bytes.count)
            guard !overflow else {
                throw SafeTensorsError.sizeOverflow(tensor: name, dtype: tensor.dtype, shape: tensor.shape)
            }
            var field: [UInt8] = []
            HeaderEncoding.appendString(name, to: &field)
            field.append(contentsOf: #":{"dtype":"#.utf8)
            HeaderEncoding.appendString(tensor.dtype.rawValue, to: &field)
            field.append(contentsOf: #","shape":"#.utf8)
            HeaderEncoding.appendIntegers(tensor.shape, to: &field)
            field.append(contentsOf: #","data_offsets":"#.utf8)
            HeaderEncoding.appendIntegers([offset, end], to: &field)
            field.append(UInt8(ascii: "}"))
            fields.append(field)
            offset = end
        }

        var header = [UInt8(ascii: "{")] + Array(fields.joined(separator: [UInt8(ascii: ",")])) + [UInt8(ascii: "}")]
        // Padding to 8 bytes aligns the data section, and so (with the layout order) every tensor.
        header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        // Readers, ours included, refuse larger headers.
        guard header.count <= SafeTensorsHeader.maxLength else {
            throw SafeTensorsError.headerTooLarge(declared: UInt64(header.count))
        }
        let length = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
        return [length + header] + ordered.map(\.value.bytes)
    }
}
