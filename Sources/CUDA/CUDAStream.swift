import CCUDA

/// A stream of work on one device: stream-ordered allocations (`cuMemAllocAsync`, the device's default memory
/// pool), copies and kernel launches run in the order they are issued.
public final class CUDAStream: @unchecked Sendable {
    public let device: CUDADevice
    let handle: CUstream

    init(device: CUDADevice, handle: CUstream) {
        self.device = device
        self.handle = handle
    }

    deinit {
        if (try? device.makeCurrent()) != nil {
            _ = device.driver.api.cuStreamSynchronize(handle)
            _ = device.driver.api.cuStreamDestroy(handle)
        }
    }

    private var api: DriverAPI { device.driver.api }

    /// `byteCount` bytes of device memory, usable by work issued on this stream after this call; freed on this
    /// stream when the buffer is released. `CUDAError.outOfMemory` when the pool cannot grow.
    public func allocate(byteCount: Int) throws(CUDAError) -> DeviceBuffer {
        try device.makeCurrent()
        var address: CUdeviceptr = 0
        try api.check(api.cuMemAllocAsync(&address, max(byteCount, 1), handle), "cuMemAllocAsync(\(byteCount) bytes)")
        return DeviceBuffer(stream: self, address: address, byteCount: byteCount)
    }

    func free(_ address: CUdeviceptr) {
        if (try? device.makeCurrent()) != nil { _ = api.cuMemFreeAsync(address, handle) }
    }

    /// Copies host bytes into `buffer` (from its start) and waits, so that `bytes` may go away afterwards.
    public func upload(_ bytes: UnsafeRawBufferPointer, to buffer: DeviceBuffer) throws(CUDAError) {
        precondition(bytes.count <= buffer.byteCount, "upload of \(bytes.count) bytes into \(buffer.byteCount)")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        try device.makeCurrent()
        try api.check(api.cuMemcpyHtoDAsync(buffer.address, base, bytes.count, handle), "cuMemcpyHtoDAsync")
        try synchronize()
    }

    /// Copies `bytes.count` bytes from the start of `buffer` to the host, after the work issued before.
    public func download(_ buffer: DeviceBuffer, into bytes: UnsafeMutableRawBufferPointer) throws(CUDAError) {
        precondition(bytes.count <= buffer.byteCount, "download of \(bytes.count) bytes from \(buffer.byteCount)")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        try device.makeCurrent()
        try api.check(api.cuMemcpyDtoHAsync(base, buffer.address, bytes.count, handle), "cuMemcpyDtoHAsync")
        try synchronize()
    }

    /// Copies `values` into `buffer` (from its start) and waits.
    public func upload<T: BitwiseCopyable>(_ values: [T], to buffer: DeviceBuffer) throws(CUDAError) {
        // withUnsafeBytes rethrows untyped errors, so the typed one travels out in a Result.
        try values.withUnsafeBytes { raw in Result { () throws(CUDAError) in try upload(raw, to: buffer) } }.get()
    }

    /// The first `count` values of type `T` in `buffer`, after the work issued before.
    public func download<T: BitwiseCopyable>(
        _ buffer: DeviceBuffer, count: Int, as type: T.Type
    ) throws(CUDAError) -> [T] {
        var failure: CUDAError?
        let values = [T](unsafeUninitializedCapacity: count) { elements, initialized in
            do throws(CUDAError) {
                try download(buffer, into: UnsafeMutableRawBufferPointer(elements))
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return values
    }

    /// Copies `byteCount` bytes between device buffers.
    public func copy(_ source: DeviceBuffer, to destination: DeviceBuffer, byteCount: Int) throws(CUDAError) {
        precondition(byteCount <= source.byteCount && byteCount <= destination.byteCount, "copy out of bounds")
        try device.makeCurrent()
        try api.check(
            api.cuMemcpyDtoDAsync(destination.address, source.address, byteCount, handle), "cuMemcpyDtoDAsync")
    }

    /// Sets every byte of `buffer` to zero.
    public func zero(_ buffer: DeviceBuffer) throws(CUDAError) {
        try device.makeCurrent()
        try api.check(api.cuMemsetD8Async(buffer.address, 0, buffer.byteCount, handle), "cuMemsetD8Async")
    }

    /// Launches `function` on a `grid` of blocks of `block` threads.
    public func launch(
        _ function: CUDAFunction, grid: (x: Int, y: Int, z: Int), block: (x: Int, y: Int, z: Int),
        sharedMemoryBytes: Int = 0, arguments: KernelArguments
    ) throws(CUDAError) {
        try device.makeCurrent()
        try arguments.withParameterArray { parameters throws(CUDAError) in
            try api.check(
                api.cuLaunchKernel(
                    function.handle, UInt32(grid.x), UInt32(grid.y), UInt32(grid.z), UInt32(block.x),
                    UInt32(block.y), UInt32(block.z), UInt32(sharedMemoryBytes), handle, parameters, nil),
                "cuLaunchKernel(\(function.name))")
        }
    }

    /// Waits until the work issued so far has finished; errors of asynchronous work surface here.
    public func synchronize() throws(CUDAError) {
        try device.makeCurrent()
        try api.check(api.cuStreamSynchronize(handle), "cuStreamSynchronize")
    }
}

/// Device memory allocated on a stream, freed on that stream when released.
public final class DeviceBuffer: @unchecked Sendable {
    public let stream: CUDAStream
    /// The device address, as kernels receive pointers.
    public let address: UInt64
    public let byteCount: Int

    init(stream: CUDAStream, address: UInt64, byteCount: Int) {
        self.stream = stream
        self.address = address
        self.byteCount = byteCount
    }

    deinit { stream.free(address) }
}
