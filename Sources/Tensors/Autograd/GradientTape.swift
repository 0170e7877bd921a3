/// Reverse-mode differentiation over any backend: a `Backend` that forwards every op to `base` and, while
/// recording, remembers how to run backward each op that depends on a trainable tensor.
///
/// Model code needs no change to be trained: build the model on a tape instead of on its backend, mark the adapter
/// weights with `parameter(_:)`, run the forward pass inside `record`, then call `backward(from:gradient:)` and
/// read `gradient(of:)`. Only ops downstream of a parameter are recorded, and each keeps only what its backward
/// needs, so frozen base weights never get gradient buffers and frozen sub-graphs cost nothing but the forward.
///
/// Tensors are identified by their storage's id (reshaping keeps it), so a tensor's gradient is found under any of
/// its shapes, and the record keeps alive only the tensors that backward closures use (as PyTorch's saved tensors).
/// A tape is used from one thread at a time, like the trainer that owns it.
public final class GradientTape: Backend, @unchecked Sendable {
    public let base: any Backend
    public var device: Device { base.device }
    public var computeDType: DType { base.computeDType }

    /// Whether `checkpointed` regions drop their intermediate tensors and recompute them during backward.
    public var gradientCheckpointing = false
    /// The seed and next offset of the randomness that model code draws while recording (dropout masks).
    /// Checkpointed regions rewind it when they run again, so they draw the same numbers.
    public private(set) var randomSeed: UInt64 = 0
    public private(set) var randomOffset: UInt64 = 0

    /// Inside `record`: a training forward pass (dropout applies), whether or not ops are being kept.
    public private(set) var isRecording = false
    /// Inside the first run of a checkpointed region, whose ops are not kept.
    private var isSkippingRegion = false
    private var nodes: [Node] = []
    /// Storage ids of the tensors that depend on a parameter, parameters included.
    private var tracked: Set<UInt64> = []
    private var parameters: [UInt64: Tensor] = [:]
    private var accumulated: [UInt64: Tensor] = [:]

    public init(_ base: any Backend) {
        self.base = base
    }

    /// Marks `tensor` as trainable: gradients flow to it and accumulate across `backward` calls until
    /// `clearGradients()`.
    @discardableResult
    public func parameter(_ tensor: Tensor) -> Tensor {
        let id = tensor.storage.id
        parameters[id] = tensor
        tracked.insert(id)
        return tensor
    }

    /// Stops treating every tensor passed to `parameter(_:)` as trainable and drops their gradients.
    public func removeParameters() {
        parameters = [:]
        accumulated = [:]
        tracked = []
        nodes = []
    }

    /// The gradient accumulated for a parameter, shaped like it; `nil` when no recorded op used it.
    public func gradient(of parameter: Tensor) -> Tensor? {
        accumulated[parameter.storage.id]?.reshaped(parameter.shape)
    }

    public func clearGradients() { accumulated = [:] }

    /// Runs `body` recording the ops that depend on parameters. The record lasts until `backward` or `discardRecord`.
    public func record<Result>(_ body: () throws -> Result) rethrows -> Result {
        precondition(!isRecording, "GradientTape.record does not nest")
        isRecording = true
        defer { isRecording = false }
        return try body()
    }

    /// Forgets the recorded ops (after a forward pass whose result is not needed, e.g. a validation loss).
    public func discardRecord() {
        nodes = []
        tracked = Set(parameters.keys)
    }

    /// Back-propagates `gradient` (the loss's gradient with respect to `output`, shaped like it) through the
    /// recorded ops, adds the result to the parameters' accumulated gradients, and clears the record.
    public func backward(from output: Tensor, gradient: Tensor) {
        precondition(!isRecording, "backward inside record")
        precondition(gradient.elementCount == output.elementCount, "gradient \(gradient) for \(output)")
        let recorded = nodes
        nodes = []
        // Checkpointed regions re-record while this runs, so the tracked set stays until the end.
        let remaining = propagate(recorded, seeds: [(output.storage.id, gradient)])
        discardRecord()
        for (id, gradient) in remaining where parameters[id] != nil {
            accumulate(gradient, into: &accumulated, id)
        }
    }

    /// Draws `count` values' worth of the recording randomness: returns the offset to draw them from.
    public func reserveRandom(_ count: Int) -> UInt64 {
        defer { randomOffset &+= (UInt64(count) + 3) / 4 * 4 }
        return randomOffset
    }

    /// Moves the recording randomness to `offset` (a resumed run continues where the stopped one was).
    public func setRandom(seed: UInt64, offset: UInt64) {
        randomSeed = seed
        randomOffset = offset
    }

    // MARK: Recording

    /// One recorded op: the storage ids and shapes of its outputs, and a closure from their gradients (`nil` for an
    /// output no gradient reached) to the gradients of the inputs that need one, by storage id.
    struct Node {
        let outputs: [(id: UInt64, shape: [Int])]
        let backward: ([Tensor?]) -> [(UInt64, Tensor)]
    }

    func isTracked(_ tensor: Tensor) -> Bool { tracked.contains(tensor.storage.id) }

    /// Whether ops are being kept for the backward pass now.
    var keepsOps: Bool { isRecording && !isSkippingRegion }

    /// Whether an op on `inputs` must be recorded.
    func needsRecording(_ inputs: Tensor?...) -> Bool {
        keepsOps && inputs.contains { $0.map(isTracked) ?? false }
    }

    func append(_ outputs: [Tensor], backward: @escaping ([Tensor?]) -> [(UInt64, Tensor)]) {
        for output in outputs { tracked.insert(output.storage.id) }
        nodes.append(Node(outputs: outputs.map { ($0.storage.id, $0.shape) }, backward: backward))
    }

    /// Records a single-output op whose backward produces `(input id, gradient)` pairs for its tracked inputs.
    func append(_ output: Tensor, backward: @escaping (Tensor) -> [(UInt64, Tensor)]) {
        let shape = output.shape
        append([output]) { gradients in
            guard let gradient = gradients[0] else { return [] }
            return backward(gradient.reshaped(shape))
        }
    }

    /// Runs `nodes` backward from `seeds`; returns the gradients that reached tensors no node produced (parameters,
    /// and the inputs of a checkpointed region).
    func propagate(_ nodes: [Node], seeds: [(UInt64, Tensor)]) -> [UInt64: Tensor] {
        var gradients: [UInt64: Tensor] = [:]
        for (id, gradient) in seeds { accumulate(gradient, into: &gradients, id) }
        for node in nodes.reversed() {
            let outputGradients = node.outputs.map { output in
                gradients.removeValue(forKey: output.id)?.reshaped(output.shape)
            }
            guard outputGradients.contains(where: { $0 != nil }) else { continue }
            for (id, gradient) in node.backward(outputGradients) { accumulate(gradient, into: &gradients, id) }
        }
        return gradients
    }

    private func accumulate(_ gradient: Tensor, into gradients: inout [UInt64: Tensor], _ id: UInt64) {
        if let existing = gradients[id] {
            gradients[id] = base.add(existing, gradient.reshaped(existing.shape))
        } else {
            gradients[id] = gradient
        }
    }

    // MARK: Checkpointing

    public func checkpointed(_ inputs: [Tensor], _ body: @escaping ([Tensor]) -> [Tensor]) -> [Tensor] {
        guard keepsOps, gradientCheckpointing else { return body(inputs) }
        let startOffset = randomOffset
        isSkippingRegion = true
        let outputs = body(inputs)
        isSkippingRegion = false
        let endOffset = randomOffset
        // The region may use parameters that are not among `inputs`, so its outputs always count as tracked.
        append(outputs) { [unowned self] gradients in
            self.recompute(body, inputs: inputs, offsets: (startOffset, endOffset), gradients: gradients)
        }
        return outputs
    }

    /// Runs a checkpointed region again with recording on, then backward through it alone.
    private func recompute(
        _ body: ([Tensor]) -> [Tensor], inputs: [Tensor], offsets: (start: UInt64, end: UInt64), gradients: [Tensor?]
    ) -> [(UInt64, Tensor)] {
        let (outerNodes, outerOffset, wasRecording) = (nodes, randomOffset, isRecording)
        nodes = []
        randomOffset = offsets.start
        isRecording = true
        let outputs = body(inputs)
        precondition(randomOffset == offsets.end, "a checkpointed region drew different randomness when run again")
        let region = nodes
        (nodes, randomOffset, isRecording) = (outerNodes, outerOffset, wasRecording)
        let seeds = zip(outputs, gradients).compactMap { output, gradient in
            gradient.map { (output.storage.id, $0) }
        }
        return Array(propagate(region, seeds: seeds))
    }
}
