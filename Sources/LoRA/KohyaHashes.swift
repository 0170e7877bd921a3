import Crypto
import Foundation

/// The model hashes sd-scripts precomputes for sd-webui-additional-networks (`train_util.
/// precalculate_safetensors_hashes`). Both are taken over the file as it would be serialized with only its `ss_*`
/// metadata, so that later edits of user metadata leave them valid:
/// - `sshs_model_hash`: SHA-256 of everything after the header (the tensor data), in hex (`addnet_hash_safetensors`);
/// - `sshs_legacy_hash`: the first 8 hex digits of the SHA-256 of the 64 KiB at offset 1 MiB of that serialization
///   (`addnet_hash_legacy`; the header length moves that window, and a file shorter than 1 MiB hashes no bytes).
public enum KohyaHashes {
    /// `(sshs_model_hash, sshs_legacy_hash)` of a complete safetensors serialization.
    public static func additionalNetworkHashes(of file: Data) -> (model: String, legacy: String) {
        var dataStart = file.count
        if file.count >= 8 {
            let length = file.prefix(8).enumerated().reduce(UInt64(0)) {
                $0 | UInt64($1.element) << (8 * UInt64($1.offset))
            }
            dataStart = Int(min(UInt64(file.count), 8 &+ length))
        }
        let model = hex(SHA256.hash(data: file[(file.startIndex + dataStart)...]))
        return (model, legacyHash(of: file))
    }

    /// `train_util.model_hash` / `addnet_hash_legacy`: the SHA-256 of bytes 0x100000 ..< 0x110000 (as many as
    /// exist), first 8 hex digits.
    public static func legacyHash(of file: Data) -> String {
        let start = min(file.count, 0x100000)
        let end = min(file.count, 0x110000)
        let window = file[(file.startIndex + start)..<(file.startIndex + end)]
        return String(hex(SHA256.hash(data: window)).prefix(8))
    }

    /// sd-scripts' hashes of a base model or VAE file (`ss_sd_model_hash`, `ss_new_sd_model_hash`), read in 1 MiB
    /// chunks.
    public static func fileHashes(of url: URL) throws -> KohyaFileHashes {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var whole = SHA256()
        var legacyWindow = Data()
        var offset = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            whole.update(data: chunk)
            let lower = max(offset, 0x100000)
            let upper = min(offset + chunk.count, 0x110000)
            if lower < upper {
                legacyWindow.append(chunk[(chunk.startIndex + lower - offset)..<(chunk.startIndex + upper - offset)])
            }
            offset += chunk.count
        }
        return KohyaFileHashes(
            legacy: String(hex(SHA256.hash(data: legacyWindow)).prefix(8)), sha256: hex(whole.finalize()))
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
