import Foundation

/// lorad's kernels on one device: each source is compiled for the device's architecture (or read from the disk
/// cache) and loaded the first time one of its kernels is asked for.
public final class KernelLibrary: @unchecked Sendable {
    public let device: CUDADevice
    public let compiler: NVRTCCompiler
    private let sources: [String: KernelSource]
    private let lock = NSLock()
    private var modules: [String: CUDAModule] = [:]

    public init(device: CUDADevice, compiler: NVRTCCompiler, sources: [KernelSource]) {
        self.device = device
        self.compiler = compiler
        self.sources = Dictionary(sources.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The kernel `name` of the source file `file` (e.g. `add_f32` in `broadcast.cu`).
    public func function(_ name: String, in file: String) throws(CUDAError) -> CUDAFunction {
        try module(file).function(name)
    }

    private func module(_ file: String) throws(CUDAError) -> CUDAModule {
        lock.lock()
        defer { lock.unlock() }
        if let module = modules[file] { return module }
        guard let source = sources[file] else {
            throw .compilation(
                kernel: file, architecture: "sm_\(device.computeCapability.number)", log: "no such kernel source")
        }
        // NVRTC's PTX already ends with the 0 byte cuModuleLoadData needs.
        let compiled = try compiler.compile(source, architecture: device.computeCapability.number)
        let module = try device.loadModule(compiled.image)
        modules[file] = module
        return module
    }
}
