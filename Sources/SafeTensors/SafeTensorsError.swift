/// Everything that can go wrong reading or writing a safetensors file. Each message says what is wrong and names the
/// tensor, field or file involved.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    // MARK: Files

    /// A system call failed; `code` is the `errno`.
    case io(path: String, operation: String, code: Int32)
    /// The path names a directory, device or other non-regular file.
    case notARegularFile(path: String)

    // MARK: Header framing

    /// Fewer than the 8 bytes that hold the header length.
    case fileTooSmall(byteCount: Int)
    /// The declared header length exceeds the format's 100 MB limit.
    case headerTooLarge(declared: UInt64)
    /// The declared header length runs past the end of the file.
    case headerExceedsFile(declared: UInt64, available: Int)
    /// The header is not valid UTF-8; `offset` is relative to the start of the header.
    case headerNotUTF8(offset: Int)
    /// The header does not start with `{`.
    case headerNotObject(start: String)
    /// The header is not valid JSON; `offset` is relative to the start of the header.
    case invalidJSON(offset: Int, reason: String)

    // MARK: Header content

    /// `__metadata__` is not an object of strings; `key` is the offending entry, if any.
    case invalidMetadata(key: String?, reason: String)
    /// The same tensor name appears twice (in a header, or added twice to a writer).
    case duplicateTensor(name: String)
    /// A tensor entry is not an object or lacks, repeats or mistypes a field.
    case invalidTensorEntry(tensor: String, reason: String)
    case unknownDType(tensor: String, dtype: String)
    case invalidShape(tensor: String, reason: String)
    case invalidDataOffsets(tensor: String, reason: String)
    /// The element or byte count of the shape does not fit in an `Int`.
    case sizeOverflow(tensor: String, dtype: SafeTensorsDType, shape: [Int])
    /// `product(shape) * byteSize` differs from the span of `data_offsets`.
    case sizeMismatch(tensor: String, dtype: SafeTensorsDType, shape: [Int], expected: Int, actual: Int)

    // MARK: Data layout

    /// Bytes in `range` (of the data section) belong to no tensor; `before` is the tensor ending at the gap.
    case gap(before: String?, after: String, range: Range<Int>)
    /// `tensor` starts inside `other`, which ends at `otherEnd`.
    case overlap(tensor: String, other: String, start: Int, otherEnd: Int)
    /// The tensors need `expected` data bytes but the file holds only `actual`.
    case truncatedData(expected: Int, actual: Int)
    /// The file holds `actual` data bytes, more than the `expected` the tensors cover.
    case trailingBytes(expected: Int, actual: Int)

    // MARK: Access and writing

    case tensorNotFound(name: String)
    /// `floats(_:)` does not convert this dtype, or the writer cannot encode floats as it.
    case unsupportedConversion(tensor: String, dtype: SafeTensorsDType)
    /// A writer was given bytes that do not match the shape and dtype.
    case byteCountMismatch(tensor: String, dtype: SafeTensorsDType, shape: [Int], expected: Int, given: Int)
    /// A writer was given a number of floats that does not match the shape.
    case elementCountMismatch(tensor: String, shape: [Int], expected: Int, given: Int)
    /// A writer was given a name that would produce an unreadable header.
    case invalidTensorName(name: String, reason: String)

    public var description: String {
        switch self {
        case .io(let path, let operation, let code):
            "cannot \(operation) '\(path)': \(SystemError.message(code)) (errno \(code))"
        case .notARegularFile(let path):
            "'\(path)' is not a regular file"
        case .fileTooSmall(let byteCount):
            "file is truncated: \(byteCount) bytes, but the header length alone takes 8"
        case .headerTooLarge(let declared):
            "header length \(declared) exceeds the limit of \(SafeTensorsHeader.maxLength) bytes"
        case .headerExceedsFile(let declared, let available):
            "header length \(declared) runs past the end of the file (\(available) bytes follow the length field)"
        case .headerNotUTF8(let offset):
            "header is not valid UTF-8 (at header byte \(offset))"
        case .headerNotObject(let start):
            start.isEmpty ? "header is empty, expected a JSON object"
                : "header must be a JSON object starting with '{', found \(start.debugDescription)"
        case .invalidJSON(let offset, let reason):
            "header is not valid JSON at header byte \(offset): \(reason)"
        case .invalidMetadata(let key?, let reason):
            "__metadata__ entry '\(key)': \(reason)"
        case .invalidMetadata(nil, let reason):
            "__metadata__: \(reason)"
        case .duplicateTensor(let name):
            "tensor '\(name)' appears more than once"
        case .invalidTensorEntry(let tensor, let reason):
            "tensor '\(tensor)': \(reason)"
        case .unknownDType(let tensor, let dtype):
            "tensor '\(tensor)': unknown dtype \(dtype.debugDescription)"
        case .invalidShape(let tensor, let reason):
            "tensor '\(tensor)': invalid shape: \(reason)"
        case .invalidDataOffsets(let tensor, let reason):
            "tensor '\(tensor)': invalid data_offsets: \(reason)"
        case .sizeOverflow(let tensor, let dtype, let shape):
            "tensor '\(tensor)': the byte count of shape \(shape) of \(dtype.rawValue) overflows"
        case .sizeMismatch(let tensor, let dtype, let shape, let expected, let actual):
            "tensor '\(tensor)': shape \(shape) needs \(expected) bytes of \(dtype.rawValue) "
                + "but data_offsets span \(actual)"
        case .gap(let before?, let after, let range):
            "gap of \(range.count) bytes in the data at [\(range.lowerBound), \(range.upperBound)) "
                + "between tensor '\(before)' and tensor '\(after)'"
        case .gap(nil, let after, let range):
            "gap of \(range.count) bytes at the start of the data, before tensor '\(after)'"
        case .overlap(let tensor, let other, let start, let otherEnd):
            "tensor '\(tensor)' starts at data offset \(start), inside tensor '\(other)' which ends at \(otherEnd)"
        case .truncatedData(let expected, let actual):
            "file is truncated: the tensors need \(expected) bytes of data but only \(actual) follow the header"
        case .trailingBytes(let expected, let actual):
            "\(actual - expected) extra trailing bytes: the tensors cover \(expected) bytes of data "
                + "but \(actual) follow the header"
        case .tensorNotFound(let name):
            "no tensor named '\(name)'"
        case .unsupportedConversion(let tensor, let dtype):
            "tensor '\(tensor)': cannot convert between Float and \(dtype.rawValue)"
        case .byteCountMismatch(let tensor, let dtype, let shape, let expected, let given):
            "tensor '\(tensor)': shape \(shape) needs \(expected) bytes of \(dtype.rawValue) but \(given) were given"
        case .elementCountMismatch(let tensor, let shape, let expected, let given):
            "tensor '\(tensor)': shape \(shape) needs \(expected) elements but \(given) were given"
        case .invalidTensorName(let name, let reason):
            "tensor name '\(name)': \(reason)"
        }
    }
}
