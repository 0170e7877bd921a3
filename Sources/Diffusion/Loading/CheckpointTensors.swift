import Foundation
import SafeTensors

/// The tensors of one checkpoint by name, over one safetensors file or the shards of a sharded one.
public final class CheckpointTensors {
    /// The files, in the order given (for a sharded checkpoint, as its index lists them).
    public let urls: [URL]
    private let files: [SafeTensorsFile]
    private let fileByName: [String: Int]

    /// Opens (memory-maps) `urls`; a tensor name may occur in only one of them.
    public init(files urls: [URL]) throws {
        var files: [SafeTensorsFile] = []
        var fileByName: [String: Int] = [:]
        for (index, url) in urls.enumerated() {
            let file: SafeTensorsFile
            do {
                file = try SafeTensorsFile(contentsOf: url)
            } catch {
                guard FileManager.default.fileExists(atPath: url.path) else {
                    throw CheckpointError.missingFile(path: url.path, expected: "a .safetensors file")
                }
                throw CheckpointError.malformed(path: url.path, reason: "not a safetensors file (\(error))")
            }
            for entry in file.entries {
                if let other = fileByName.updateValue(index, forKey: entry.name) {
                    throw CheckpointError.malformed(
                        path: url.path, reason: "tensor \(entry.name) is also in \(urls[other].lastPathComponent)")
                }
            }
            files.append(file)
        }
        self.urls = urls
        self.files = files
        self.fileByName = fileByName
    }

    /// Opens the shards that a `*.safetensors.index.json` lists in its `weight_map` (transformers' and diffusers'
    /// sharded format); every listed tensor must be in the shard that the map names.
    public convenience init(shardIndex url: URL) throws {
        struct ShardIndex: Decodable {
            var weightMap: [String: String]
            enum CodingKeys: String, CodingKey { case weightMap = "weight_map" }
        }
        let index: ShardIndex
        do {
            index = try JSONDecoder().decode(ShardIndex.self, from: Data(contentsOf: url))
        } catch {
            throw CheckpointError.malformed(path: url.path, reason: "not a shard index with a weight_map (\(error))")
        }
        let folder = url.deletingLastPathComponent()
        let shardNames = Set(index.weightMap.values).sorted()
        guard !shardNames.isEmpty else {
            throw CheckpointError.malformed(path: url.path, reason: "the weight_map lists no tensors")
        }
        try self.init(files: shardNames.map { folder.appendingPathComponent($0) })
        for (name, shard) in index.weightMap.sorted(by: { $0.key < $1.key })
        where fileByName[name].map({ urls[$0].lastPathComponent }) != shard {
            throw CheckpointError.malformed(path: url.path, reason: "tensor \(name) is not in \(shard), as listed")
        }
    }

    /// Every tensor name.
    public var names: Dictionary<String, Int>.Keys { fileByName.keys }

    public subscript(name: String) -> SafeTensorsEntry? {
        fileByName[name].flatMap { files[$0][name] }
    }

    /// The stored shape of every tensor.
    public var shapes: [String: [Int]] {
        Dictionary(uniqueKeysWithValues: files.flatMap { $0.entries.map { ($0.name, $0.shape) } })
    }

    /// The `__metadata__` of the files, merged (the first file wins on a conflict).
    public var metadata: [String: String] {
        files.reduce(into: [:]) { merged, file in merged.merge(file.metadata) { first, _ in first } }
    }

    /// The file that holds `name`, for messages.
    func url(of name: String) -> URL? { fileByName[name].map { urls[$0] } }

    /// Calls `body` with the stored bytes of `name` (no copy); the buffer is valid only during the call.
    func withBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let index = fileByName[name] else { throw SafeTensorsError.tensorNotFound(name: name) }
        return try files[index].withBytes(name, body)
    }

    /// The elements of `name` as `Float`s (any numeric element type).
    func floats(_ name: String) throws -> [Float] {
        guard let index = fileByName[name] else { throw SafeTensorsError.tensorNotFound(name: name) }
        return try files[index].floats(name)
    }
}
