import Foundation
import SafeTensors

/// Writes kohya-format LoRA files as sd-scripts' `LoRANetwork.save_weights` does: per module
/// `<name>.lora_down.weight` (`[r, in]`, convolutions `[r, in, k, k]`), `<name>.lora_up.weight` (`[out, r]` or
/// `[out, r, 1, 1]`) and the 0-dim `<name>.alpha`, all in the save precision, plus `sshs_model_hash` and
/// `sshs_legacy_hash` over the `ss_*`-only serialization.
public enum KohyaLoRAFile {
    /// The file's bytes. `metadata` is usually `KohyaTrainingFacts.metadata()`.
    public static func serialize(
        _ modules: [LoRAModuleWeights], precision: LoRASavePrecision, metadata: [String: String]
    ) throws -> Data {
        var writer = try tensors(modules, precision: precision)
        writer.metadata = metadata.filter { $0.key.hasPrefix("ss_") }
        var hashed = try writer.serialized()
        if writer.metadata.isEmpty { hashed = withEmptyMetadataObject(hashed) }
        let hashes = KohyaHashes.additionalNetworkHashes(of: hashed)
        writer.metadata = metadata
        writer.metadata["sshs_model_hash"] = hashes.model
        writer.metadata["sshs_legacy_hash"] = hashes.legacy
        return try writer.serialized()
    }

    /// Writes the file atomically.
    public static func write(
        _ modules: [LoRAModuleWeights], precision: LoRASavePrecision, metadata: [String: String], to url: URL
    ) throws {
        try serialize(modules, precision: precision, metadata: metadata).write(to: url, options: .atomic)
    }

    private static func tensors(
        _ modules: [LoRAModuleWeights], precision: LoRASavePrecision
    ) throws -> SafeTensorsWriter {
        var writer = SafeTensorsWriter()
        for module in modules {
            let spec = module.spec
            guard spec.rank > 0 else {
                throw LoRAFormatError.invalidWeights(module: spec.kohyaName, reason: "rank \(spec.rank)")
            }
            try writer.add(
                spec.kohyaName + ".lora_down.weight", shape: spec.kind.downShape(rank: spec.rank),
                floats: module.pytorchDown(), as: precision.dtype)
            try writer.add(
                spec.kohyaName + ".lora_up.weight", shape: spec.kind.upShape(rank: spec.rank),
                floats: module.pytorchUp(),
                as: precision.dtype)
            try writer.add(spec.kohyaName + ".alpha", shape: [], floats: [spec.alpha], as: precision.dtype)
        }
        return writer
    }

    /// sd-scripts hashes `safetensors.torch.save(tensors, {})` when no `ss_*` key exists, whose header holds an
    /// empty `"__metadata__":{}` that `SafeTensorsWriter` leaves out; the header length moves the legacy window.
    private static func withEmptyMetadataObject(_ file: Data) -> Data {
        let bytes = [UInt8](file)
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var header = Array(bytes[8..<(8 + length)])
        while header.last == UInt8(ascii: " ") { header.removeLast() }
        let field = Array(#""__metadata__":{}"#.utf8)
        header = [UInt8(ascii: "{")] + field + (header.count > 2 ? [UInt8(ascii: ",")] : []) + header.dropFirst()
        header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        let prefix = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
        return Data(prefix + header + bytes[(8 + length)...])
    }
}
