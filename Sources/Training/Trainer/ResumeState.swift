import Foundation
import SafeTensors

/// What `save_state` writes and `resume` reads: one `state.safetensors` in a state folder with the adapter weights
/// (`parameter.<name>`), the optimizer's buffers (`optimizer.<key>`) and, in the metadata, where the run stands.
/// With it, a stopped run continues bit-identically: the data order, captions, noise and dropout are keyed by
/// the seed and the position, and those are saved here.
struct ResumeState: Equatable {
    static let fileName = "state.safetensors"
    static let formatVersion = 1

    var step: Int
    var epoch: Int
    var batch: Int
    var seed: UInt64
    var randomOffset: UInt64
    var smoothedLoss: Float?
    var optimizerType: String
    var parameters: [String: [Float]]
    var optimizer: OptimizerState

    /// Metadata fields, JSON-encoded under one key.
    private struct Header: Codable {
        var version: Int
        var step: Int
        var epoch: Int
        var batch: Int
        var seed: String
        var randomOffset: String
        var smoothedLoss: Float?
        var optimizerType: String
        var optimizerScalars: [String: Double]
        var parameterShapes: [String: [Int]]
        var optimizerShapes: [String: [Int]]
    }

    func write(to folder: URL, parameterShapes: [String: [Int]]) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let header = Header(
            version: Self.formatVersion, step: step, epoch: epoch, batch: batch, seed: String(seed),
            randomOffset: String(randomOffset), smoothedLoss: smoothedLoss, optimizerType: optimizerType,
            optimizerScalars: optimizer.scalars, parameterShapes: parameterShapes,
            optimizerShapes: optimizer.tensors.mapValues(\.shape))
        var writer = SafeTensorsWriter(
            metadata: ["lorad.state": String(decoding: try JSONEncoder().encode(header), as: UTF8.self)])
        for (name, values) in parameters {
            try writer.add("parameter.\(name)", shape: [values.count], floats: values)
        }
        for (name, tensor) in optimizer.tensors {
            try writer.add("optimizer.\(name)", shape: [tensor.values.count], floats: tensor.values)
        }
        try writer.write(to: folder.appendingPathComponent(Self.fileName))
    }

    static func read(from folder: URL) throws -> ResumeState {
        let url = folder.appendingPathComponent(fileName)
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(contentsOf: url)
        } catch {
            throw ResumeError.unreadable(path: url.path, reason: "\(error)")
        }
        guard let text = file.metadata["lorad.state"],
            let header = try? JSONDecoder().decode(Header.self, from: Data(text.utf8)),
            header.version == formatVersion, let seed = UInt64(header.seed),
            let randomOffset = UInt64(header.randomOffset)
        else {
            throw ResumeError.unreadable(path: url.path, reason: "not a lorad state of format \(formatVersion)")
        }
        var parameters: [String: [Float]] = [:]
        for name in header.parameterShapes.keys { parameters[name] = try file.floats("parameter.\(name)") }
        var tensors: [String: OptimizerState.Tensor] = [:]
        for (name, shape) in header.optimizerShapes {
            tensors[name] = OptimizerState.Tensor(shape: shape, values: try file.floats("optimizer.\(name)"))
        }
        return ResumeState(
            step: header.step, epoch: header.epoch, batch: header.batch, seed: seed, randomOffset: randomOffset,
            smoothedLoss: header.smoothedLoss, optimizerType: header.optimizerType, parameters: parameters,
            optimizer: OptimizerState(tensors: tensors, scalars: header.optimizerScalars))
    }
}

public enum ResumeError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case mismatch(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "resume: cannot read \(path): \(reason)"
        case .mismatch(let reason): "resume: the saved state does not fit this run: \(reason)"
        }
    }
}
