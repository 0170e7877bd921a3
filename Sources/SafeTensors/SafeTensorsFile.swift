import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A safetensors file whose header has been fully validated, giving zero-copy access to its tensors.
///
/// Immutable after init, so instances can be shared between threads. A file opened with `init(contentsOf:)` is
/// memory-mapped privately; as with any mapping, another process truncating the file while it is open makes reads
/// of the vanished pages fault, so files being read must not be rewritten in place (`SafeTensorsWriter` replaces
/// files atomically instead).
public final class SafeTensorsFile: @unchecked Sendable {
    public let metadata: [String: String]
    /// In file (offset) order.
    public let entries: [SafeTensorsEntry]

    private let indexByName: [String: Int]
    private let dataStart: Int
    private let storage: Storage

    private enum Storage {
        /// A read-only private mapping of the whole file, unmapped in `deinit`.
        case mapped(UnsafeRawBufferPointer)
        case bytes(Data)
    }

    /// Memory-maps the file at `url` and validates its header.
    public convenience init(contentsOf url: URL) throws {
        let path = url.path
        let descriptor = SystemError.retryingOnInterrupt { open(path, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else { throw SystemError.last("open", path) }
        // The mapping keeps the file alive on its own.
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw SystemError.last("stat", path) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw SafeTensorsError.notARegularFile(path: path) }
        let size = Int(status.st_size)
        // mmap rejects empty lengths, and such a file is invalid anyway.
        guard size >= 8 else { throw SafeTensorsError.fileTooSmall(byteCount: size) }

        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw SystemError.last("memory-map", path)
        }
        let mapping = UnsafeRawBufferPointer(start: address, count: size)
        let header: SafeTensorsHeader
        do {
            header = try SafeTensorsHeader(validating: mapping)
        } catch {
            munmap(address, size)
            throw error
        }
        self.init(storage: .mapped(mapping), header: header)
    }

    /// Validates `data` as a complete safetensors file and keeps it.
    public convenience init(data: Data) throws {
        let header = try data.withUnsafeBytes { bytes throws(SafeTensorsError) in
            try SafeTensorsHeader(validating: bytes)
        }
        self.init(storage: .bytes(data), header: header)
    }

    private init(storage: Storage, header: SafeTensorsHeader) {
        self.storage = storage
        self.metadata = header.metadata
        self.entries = header.entries
        self.dataStart = header.dataStart
        // Names are unique: the header validation rejects duplicates.
        self.indexByName = Dictionary(uniqueKeysWithValues: header.entries.enumerated().map { ($1.name, $0) })
    }

    deinit {
        if case .mapped(let mapping) = storage, let address = mapping.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: address), mapping.count)
        }
    }

    public subscript(name: String) -> SafeTensorsEntry? {
        indexByName[name].map { entries[$0] }
    }

    /// Calls `body` with the tensor's stored bytes, without copying. The buffer is valid only during the call.
    public func withBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let entry = self[name] else { throw SafeTensorsError.tensorNotFound(name: name) }
        let range = (dataStart + entry.dataRange.lowerBound)..<(dataStart + entry.dataRange.upperBound)
        switch storage {
        case .mapped(let mapping):
            return try body(UnsafeRawBufferPointer(rebasing: mapping[range]))
        case .bytes(let data):
            return try data.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[range])) }
        }
    }

    /// The tensor's elements in C order, converted to `Float` from F64, F32, F16, BF16, I64, I32, U8 or BOOL
    /// (false/true as 0/1). Conversions round to nearest, so F64 and large integers may lose precision.
    public func floats(_ name: String) throws -> [Float] {
        guard let entry = self[name] else { throw SafeTensorsError.tensorNotFound(name: name) }
        let values = try withBytes(name) { FloatConversion.floats($0, as: entry.dtype) }
        guard let values else { throw SafeTensorsError.unsupportedConversion(tensor: name, dtype: entry.dtype) }
        return values
    }
}
