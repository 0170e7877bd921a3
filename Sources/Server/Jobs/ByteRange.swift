/// A `Range: bytes=…` request header for one range (RFC 9110 §14.1.2): `a-b`, `a-` or the suffix `-n`.
enum ByteRange {
    enum Outcome: Equatable {
        /// No usable range: send the whole representation (a syntax the server does not support is ignored, as the
        /// RFC allows, and so are several ranges).
        case whole
        case part(ClosedRange<Int>)
        /// Syntactically right but outside the file: 416.
        case unsatisfiable
    }

    static func parse(_ header: String?, size: Int) -> Outcome {
        guard let header, header.hasPrefix("bytes="), !header.contains(",") else { return .whole }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .whole }
        let (first, last) = (parts[0], parts[1])
        if first.isEmpty {
            guard let suffix = Int(last), suffix >= 0 else { return .whole }
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .part(max(0, size - suffix)...(size - 1))
        }
        guard let start = Int(first), start >= 0 else { return .whole }
        var end = size - 1
        if !last.isEmpty {
            guard let value = Int(last), value >= start else { return .whole }
            end = min(value, size - 1)
        }
        guard start < size else { return .unsatisfiable }
        return .part(start...end)
    }
}
