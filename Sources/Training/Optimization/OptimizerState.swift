/// An optimizer's resumable state: named float tensors and named scalars, so the trainer can store it in a
/// safetensors resume file (tensors as F32 entries, scalars as metadata or 0-dim entries).
///
/// Tensor names are `<parameter name>.<slot>` (`exp_avg`, `exp_avg_sq`, …); scalar names are `<parameter
/// name>.step` for per-parameter step counts and bare names (`d`, `k`, …) for optimizer-wide values.
public struct OptimizerState: Equatable, Sendable {
    /// One saved tensor: its shape and its elements in C order.
    public struct Tensor: Equatable, Sendable {
        /// The shape; `[]` for a single value.
        public var shape: [Int]
        /// `shape.reduce(1, *)` elements in C order.
        public var values: [Float]

        /// A tensor of the given shape and values.
        public init(shape: [Int], values: [Float]) {
            self.shape = shape
            self.values = values
        }
    }

    /// Float buffers by name (moments, 8-bit codes as whole numbers, block absmaxes).
    public var tensors: [String: Tensor]
    /// Step counts and optimizer-wide values (Prodigy's `d`) by name.
    public var scalars: [String: Double]

    /// A state of the given entries.
    public init(tensors: [String: Tensor] = [:], scalars: [String: Double] = [:]) {
        self.tensors = tensors
        self.scalars = scalars
    }
}

/// Reads an `OptimizerState` for `restore`, failing with a typed error on a missing, malformed or leftover entry.
struct OptimizerStateReader {
    private let state: OptimizerState
    private var unreadTensors: Set<String>
    private var unreadScalars: Set<String>

    init(_ state: OptimizerState) {
        self.state = state
        unreadTensors = Set(state.tensors.keys)
        unreadScalars = Set(state.scalars.keys)
    }

    /// The parameter names that have a `<name>.step` scalar, sorted.
    var parameterNames: [String] {
        state.scalars.keys.filter { $0.hasSuffix(".step") }.map { String($0.dropLast(".step".count)) }.sorted()
    }

    mutating func scalar(_ name: String) throws -> Double {
        guard let value = state.scalars[name] else {
            throw OptimizerError.malformedState(entry: name, reason: "missing")
        }
        guard value.isFinite else { throw OptimizerError.malformedState(entry: name, reason: "not finite") }
        unreadScalars.remove(name)
        return value
    }

    /// A non-negative whole number stored as a scalar (a step count).
    mutating func count(_ name: String) throws -> Int {
        let value = try scalar(name)
        guard value >= 0, value == value.rounded(), value < 1e15 else {
            throw OptimizerError.malformedState(entry: name, reason: "\(value) is not a step count")
        }
        return Int(value)
    }

    mutating func tensor(_ name: String, count: Int? = nil) throws -> [Float] {
        guard let tensor = state.tensors[name] else {
            throw OptimizerError.malformedState(entry: name, reason: "missing")
        }
        guard tensor.shape.allSatisfy({ $0 >= 0 }), tensor.shape.reduce(1, *) == tensor.values.count else {
            throw OptimizerError.malformedState(
                entry: name, reason: "shape \(tensor.shape) does not match \(tensor.values.count) values")
        }
        if let count, tensor.values.count != count {
            throw OptimizerError.malformedState(
                entry: name, reason: "has \(tensor.values.count) values, expected \(count)")
        }
        unreadTensors.remove(name)
        return tensor.values
    }

    func hasTensor(_ name: String) -> Bool { state.tensors[name] != nil }

    /// Fails if an entry was never read: a state from another optimizer type or with other options.
    func finish() throws {
        if let name = (unreadTensors.union(unreadScalars)).sorted().first {
            throw OptimizerError.malformedState(entry: name, reason: "not an entry of this optimizer")
        }
    }
}
