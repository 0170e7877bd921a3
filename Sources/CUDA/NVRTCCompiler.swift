import Crypto
import Foundation

/// Compiled device code and how it was made.
public struct CompiledKernel: Sendable {
    public enum Format: String, Sendable {
        /// Machine code for exactly the requested architecture.
        case cubin
        /// PTX for the newest virtual architecture NVRTC knows below the requested one; the driver compiles it.
        case ptx
    }

    /// The image for `cuModuleLoadData` (PTX ends with a 0 byte).
    public var image: [UInt8]
    public var format: Format
    /// Whether it came from the disk cache rather than from NVRTC.
    public var fromCache: Bool
}

/// Compiles kernel sources with NVRTC for a GPU architecture and keeps the results in a disk cache.
public final class NVRTCCompiler: Sendable {
    /// Options every compilation gets (before the architecture and the caller's own).
    public static let standardOptions = ["-default-device", "-std=c++17"]

    public let api: NVRTCAPI
    /// The library file that was opened.
    public let path: String
    public let version: (major: Int, minor: Int)
    /// The `sm_XY` numbers this NVRTC can generate machine code for.
    public let supportedArchitectures: [Int]
    /// Where compiled images are kept, one file per (source, headers, options, architecture, NVRTC version); `nil`
    /// compiles every time.
    public let cacheDirectory: URL?

    public init(search: LibrarySearch = LibrarySearch(), cacheDirectory: URL?) throws(CUDAError) {
        let library = try search.open(.nvrtc)
        let api = try NVRTCAPI(library: library)
        var (major, minor): (Int32, Int32) = (0, 0)
        try api.check(api.nvrtcVersion(&major, &minor), "nvrtcVersion")
        var count: Int32 = 0
        try api.check(api.nvrtcGetNumSupportedArchs(&count), "nvrtcGetNumSupportedArchs")
        var architectures = [Int32](repeating: 0, count: Int(count))
        try api.check(api.nvrtcGetSupportedArchs(&architectures), "nvrtcGetSupportedArchs")
        self.api = api
        self.path = library.path
        self.version = (Int(major), Int(minor))
        self.supportedArchitectures = architectures.map(Int.init).sorted()
        self.cacheDirectory = cacheDirectory
    }

    /// Compiles `source` for `sm_<architecture>` (e.g. 86): a cubin when NVRTC knows the architecture, else PTX for
    /// the newest architecture it knows below it. `CUDAError.compilation` carries NVRTC's log.
    public func compile(
        _ source: KernelSource, architecture: Int, options: [String] = []
    ) throws(CUDAError) -> CompiledKernel {
        let format: CompiledKernel.Format
        let target: String
        if supportedArchitectures.contains(architecture) {
            (format, target) = (.cubin, "sm_\(architecture)")
        } else if let older = supportedArchitectures.last(where: { $0 < architecture }) {
            (format, target) = (.ptx, "compute_\(older)")
        } else {
            let known = supportedArchitectures.map { "sm_\($0)" }.joined(separator: ", ")
            throw .compilation(
                kernel: source.name, architecture: "sm_\(architecture)",
                log: "NVRTC \(version.major).\(version.minor) supports only \(known)")
        }
        let allOptions = ["--gpu-architecture=\(target)"] + Self.standardOptions + options
        let cacheFile = cacheDirectory?.appendingPathComponent(
            "\(cacheKey(source, options: allOptions, format: format)).\(format.rawValue)")
        if let cacheFile, let cached = try? Data(contentsOf: cacheFile), !cached.isEmpty {
            return CompiledKernel(image: Array(cached), format: format, fromCache: true)
        }
        let image = try build(source, options: allOptions, format: format, target: target)
        if let cacheDirectory, let cacheFile {
            do {
                try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
                // `.atomic` writes a temporary file and renames it into place: a reader never sees half a file.
                try Data(image).write(to: cacheFile, options: .atomic)
            } catch {
                throw .cache(path: cacheFile.path, reason: "\(error)")
            }
        }
        return CompiledKernel(image: image, format: format, fromCache: false)
    }

    /// sha256 of everything that decides the output, each part length-prefixed so that no two inputs collide.
    private func cacheKey(_ source: KernelSource, options: [String], format: CompiledKernel.Format) -> String {
        var hasher = SHA256()
        func add(_ text: String) {
            var length = UInt64(text.utf8.count).littleEndian
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            hasher.update(data: Data(text.utf8))
        }
        add("nvrtc \(version.major).\(version.minor)")
        add(format.rawValue)
        add(source.name)
        add(source.text)
        for name in source.headers.keys.sorted() {
            add(name)
            add(source.headers[name]!)
        }
        for option in options { add(option) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    private func build(
        _ source: KernelSource, options: [String], format: CompiledKernel.Format, target: String
    ) throws(CUDAError) -> [UInt8] {
        let headerNames = source.headers.keys.sorted()
        let headerTexts = headerNames.map { source.headers[$0]! }
        var program: OpaquePointer?
        let created = withCStrings(headerTexts) { texts in
            withCStrings(headerNames) { names in
                api.nvrtcCreateProgram(
                    &program, source.text, source.name, Int32(headerNames.count), texts, names)
            }
        }
        try api.check(created, "nvrtcCreateProgram(\(source.name))")
        defer { _ = api.nvrtcDestroyProgram(&program) }
        let compiled = withCStrings(options) { api.nvrtcCompileProgram(program, Int32(options.count), $0) }
        if compiled != 0 {
            throw .compilation(kernel: source.name, architecture: target, log: try log(of: program))
        }
        var size = 0
        var image: [UInt8]
        switch format {
        case .cubin:
            try api.check(api.nvrtcGetCUBINSize(program, &size), "nvrtcGetCUBINSize")
            image = [UInt8](repeating: 0, count: size)
            try api.check(
                image.withUnsafeMutableBytes {
                    api.nvrtcGetCUBIN(program, $0.baseAddress!.assumingMemoryBound(to: CChar.self))
                },
                "nvrtcGetCUBIN")
        case .ptx:
            try api.check(api.nvrtcGetPTXSize(program, &size), "nvrtcGetPTXSize")
            image = [UInt8](repeating: 0, count: size)
            try api.check(
                image.withUnsafeMutableBytes {
                    api.nvrtcGetPTX(program, $0.baseAddress!.assumingMemoryBound(to: CChar.self))
                },
                "nvrtcGetPTX")
        }
        return image
    }

    private func log(of program: OpaquePointer?) throws(CUDAError) -> String {
        var size = 0
        try api.check(api.nvrtcGetProgramLogSize(program, &size), "nvrtcGetProgramLogSize")
        var bytes = [CChar](repeating: 0, count: max(size, 1))
        try api.check(api.nvrtcGetProgramLog(program, &bytes), "nvrtcGetProgramLog")
        return bytes.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Calls `body` with a C array of C strings that live for the call.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
