import CCUDA

/// Kernels loaded into a device's context; unloaded when released.
public final class CUDAModule: @unchecked Sendable {
    public let device: CUDADevice
    let handle: CUmodule

    init(device: CUDADevice, handle: CUmodule) {
        self.device = device
        self.handle = handle
    }

    deinit {
        if (try? device.makeCurrent()) != nil { _ = device.driver.api.cuModuleUnload(handle) }
    }

    /// The `extern "C"` kernel `name`.
    public func function(_ name: String) throws(CUDAError) -> CUDAFunction {
        try device.makeCurrent()
        var function: CUfunction?
        try device.driver.api.check(
            device.driver.api.cuModuleGetFunction(&function, handle, name), "cuModuleGetFunction(\(name))")
        return CUDAFunction(module: self, name: name, handle: function!)
    }
}

/// A kernel of a loaded module (which it keeps alive).
public struct CUDAFunction: @unchecked Sendable {
    public let module: CUDAModule
    public let name: String
    let handle: CUfunction
}
