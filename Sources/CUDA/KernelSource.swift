import Foundation

/// A CUDA C++ source to compile, with the headers it includes by name (given to NVRTC in memory, so no include
/// path is needed).
public struct KernelSource: Sendable, Hashable {
    /// The file name, e.g. `layer_norm.cu`; NVRTC's messages use it.
    public var name: String
    public var text: String
    /// Included headers by the name the source `#include`s.
    public var headers: [String: String]

    public init(name: String, text: String, headers: [String: String] = [:]) {
        self.name = name
        self.text = text
        self.headers = headers
    }

    /// lorad's kernels, the `.cu` resources of this module (sorted by name), each with the `.cuh` headers beside it.
    public static func bundled() throws(CUDAError) -> [KernelSource] {
        // Resolved, because Foundation lists a symlinked folder as empty (an installed bundle may be a link).
        guard let folder = Bundle.module.url(forResource: "Kernels", withExtension: nil)?.resolvingSymlinksInPath()
        else {
            throw .cache(path: Bundle.module.bundlePath, reason: "the Kernels resource folder is missing")
        }
        let files: [URL]
        do {
            files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        } catch {
            throw .cache(path: folder.path, reason: "\(error)")
        }
        func text(_ url: URL) throws(CUDAError) -> String {
            do { return try String(contentsOf: url, encoding: .utf8) } catch {
                throw .cache(path: url.path, reason: "\(error)")
            }
        }
        var headers: [String: String] = [:]
        for file in files where file.pathExtension == "cuh" { headers[file.lastPathComponent] = try text(file) }
        var sources: [KernelSource] = []
        for file in files where file.pathExtension == "cu" {
            sources.append(KernelSource(name: file.lastPathComponent, text: try text(file), headers: headers))
        }
        return sources
    }
}
