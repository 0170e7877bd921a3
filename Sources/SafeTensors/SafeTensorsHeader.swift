/// The validated header of a complete safetensors buffer.
///
/// Validation follows the Rust crate (`safetensors/src/tensor.rs`, `read_metadata` and `Metadata::validate`), so
/// that every file accepted here is accepted there, and adds what it silently tolerates: duplicate keys and a
/// header that does not start with `{`. Once it succeeds, every entry's `dataRange` lies inside the data section,
/// so tensor bytes can be read without further bounds checks failing.
struct SafeTensorsHeader {
    /// The reference implementation's limit, which keeps a corrupt length from making us parse gigabytes.
    static let maxLength: UInt64 = 100_000_000

    let metadata: [String: String]
    /// Sorted by data offset, i.e. in file order.
    let entries: [SafeTensorsEntry]
    /// The file offset of the first data byte: 8 + header length.
    let dataStart: Int

    init(validating file: UnsafeRawBufferPointer) throws(SafeTensorsError) {
        guard file.count >= 8 else { throw .fileTooSmall(byteCount: file.count) }
        let declared = UInt64(littleEndian: file.loadUnaligned(as: UInt64.self))
        guard declared <= Self.maxLength else { throw .headerTooLarge(declared: declared) }
        // The check above bounds `declared`, so it converts to Int and the sum cannot overflow.
        let headerLength = Int(declared)
        guard headerLength <= file.count - 8 else {
            throw .headerExceedsFile(declared: declared, available: file.count - 8)
        }
        let header = UnsafeRawBufferPointer(rebasing: file[8..<8 + headerLength])
        try Self.validateUTF8(header)
        guard header.first == UInt8(ascii: "{") else {
            throw .headerNotObject(start: String(decoding: header.prefix(16), as: UTF8.self))
        }
        let members = try JSONParser.parseObject(header)

        var metadata: [String: String] = [:]
        var entries: [SafeTensorsEntry] = []
        var keys = Set<String>()
        for (key, value) in members {
            // Keys compare as Swift strings (canonical equivalence), so two byte-different spellings of the same
            // text are duplicates: a lookup by name could not tell them apart.
            guard keys.insert(key).inserted else {
                throw key == "__metadata__" ? .invalidMetadata(key: nil, reason: "appears more than once")
                    : .duplicateTensor(name: key)
            }
            if key == "__metadata__" {
                metadata = try Self.metadata(from: value)
            } else {
                entries.append(try Self.entry(named: key, from: value))
            }
        }

        // Sorting by (begin, end) as Rust does; the name only orders empty tensors that share an offset.
        entries.sort {
            ($0.dataRange.lowerBound, $0.dataRange.upperBound) < ($1.dataRange.lowerBound, $1.dataRange.upperBound)
                || ($0.dataRange == $1.dataRange && $0.name.utf8.lexicographicallyPrecedes($1.name.utf8))
        }
        let dataLength = try Self.validateTiling(entries)
        let available = file.count - 8 - headerLength
        if dataLength > available { throw .truncatedData(expected: dataLength, actual: available) }
        if dataLength < available { throw .trailingBytes(expected: dataLength, actual: available) }

        self.metadata = metadata
        self.entries = entries
        self.dataStart = 8 + headerLength
    }

    private static func validateUTF8(_ bytes: UnsafeRawBufferPointer) throws(SafeTensorsError) {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return
            case .error: throw .headerNotUTF8(offset: offset)
            }
        }
    }

    private static func metadata(from value: JSONValue) throws(SafeTensorsError) -> [String: String] {
        switch value {
        case .null:
            // serde reads `"__metadata__": null` as "no metadata".
            return [:]
        case .object(let members):
            var metadata: [String: String] = [:]
            for (key, value) in members {
                guard case .string(let text) = value else {
                    throw .invalidMetadata(key: key, reason: "value must be a string, found \(value.summary)")
                }
                guard metadata.updateValue(text, forKey: key) == nil else {
                    throw .invalidMetadata(key: key, reason: "appears more than once")
                }
            }
            return metadata
        default:
            throw .invalidMetadata(key: nil, reason: "must be an object of strings, found \(value.summary)")
        }
    }

    private static func entry(named name: String, from value: JSONValue) throws(SafeTensorsError) -> SafeTensorsEntry {
        guard case .object(let members) = value else {
            throw .invalidTensorEntry(tensor: name, reason: "entry must be an object, found \(value.summary)")
        }
        // Unknown fields are ignored, as serde does for `TensorInfo`.
        var fields: [String: JSONValue] = [:]
        for (key, value) in members where ["dtype", "shape", "data_offsets"].contains(key) {
            guard fields.updateValue(value, forKey: key) == nil else {
                throw .invalidTensorEntry(tensor: name, reason: "field '\(key)' appears more than once")
            }
        }
        func field(_ key: String) throws(SafeTensorsError) -> JSONValue {
            guard let value = fields[key] else { throw .invalidTensorEntry(tensor: name, reason: "missing '\(key)'") }
            return value
        }

        let dtypeValue = try field("dtype")
        guard case .string(let dtypeName) = dtypeValue else {
            throw .invalidTensorEntry(tensor: name, reason: "dtype must be a string, found \(dtypeValue.summary)")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw .unknownDType(tensor: name, dtype: dtypeName)
        }

        let shapeValue = try field("shape")
        guard case .array(let dimensions) = shapeValue else {
            throw .invalidShape(tensor: name, reason: "expected an array, found \(shapeValue.summary)")
        }
        var shape: [Int] = []
        for (index, dimension) in dimensions.enumerated() {
            switch dimension.nonNegativeInteger {
            case .success(let size): shape.append(size)
            case .failure(let problem): throw .invalidShape(tensor: name, reason: "dimension \(index): \(problem)")
            }
        }

        let offsetsValue = try field("data_offsets")
        guard case .array(let offsets) = offsetsValue, offsets.count == 2 else {
            let found = if case .array(let offsets) = offsetsValue {
                "\(offsets.count) elements"
            } else {
                offsetsValue.summary
            }
            throw .invalidDataOffsets(tensor: name, reason: "expected [begin, end], found \(found)")
        }
        var bounds: [Int] = []
        for (label, offset) in zip(["begin", "end"], offsets) {
            switch offset.nonNegativeInteger {
            case .success(let value): bounds.append(value)
            case .failure(let problem): throw .invalidDataOffsets(tensor: name, reason: "\(label): \(problem)")
            }
        }
        let (begin, end) = (bounds[0], bounds[1])
        guard begin <= end else {
            throw .invalidDataOffsets(tensor: name, reason: "begin \(begin) is after end \(end)")
        }

        guard let byteCount = byteCount(of: shape, dtype) else {
            throw .sizeOverflow(tensor: name, dtype: dtype, shape: shape)
        }
        guard byteCount == end - begin else {
            throw .sizeMismatch(tensor: name, dtype: dtype, shape: shape, expected: byteCount, actual: end - begin)
        }
        return SafeTensorsEntry(name: name, dtype: dtype, shape: shape, dataRange: begin..<end)
    }

    /// Checks that the entries, sorted by offset, tile the data section from 0 without gaps or overlaps, and
    /// returns its length.
    private static func validateTiling(_ entries: [SafeTensorsEntry]) throws(SafeTensorsError) -> Int {
        var end = 0
        var previous: SafeTensorsEntry?
        for entry in entries {
            let range = entry.dataRange
            if range.lowerBound > end {
                throw .gap(before: previous?.name, after: entry.name, range: end..<range.lowerBound)
            }
            if range.lowerBound < end, let previous {
                throw .overlap(tensor: entry.name, other: previous.name, start: range.lowerBound, otherEnd: end)
            }
            end = range.upperBound
            previous = entry
        }
        return end
    }
}

/// `product(shape) * dtype.byteSize`, or nil when it overflows `Int`.
func byteCount(of shape: [Int], _ dtype: SafeTensorsDType) -> Int? {
    var count = dtype.byteSize
    for dimension in shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
        if overflow { return nil }
        count = product
    }
    return count
}
