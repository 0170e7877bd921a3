/// One visible GPU as `lorad doctor` and `GET /v1/system` show it.
public struct GPUDescription: Sendable, Equatable, Codable {
    /// The CUDA ordinal (after `CUDA_VISIBLE_DEVICES`), as in `cuda:N`.
    public var index: Int
    public var name: String
    /// `major.minor`, e.g. `8.6`.
    public var computeCapability: String
    /// Bytes.
    public var memoryTotal: Int
    /// Bytes free when it was looked at.
    public var memoryFree: Int

    public init(index: Int, name: String, computeCapability: String, memoryTotal: Int, memoryFree: Int) {
        self.index = index
        self.name = name
        self.computeCapability = computeCapability
        self.memoryTotal = memoryTotal
        self.memoryFree = memoryFree
    }

    enum CodingKeys: String, CodingKey {
        case index, name
        case computeCapability = "compute_capability"
        case memoryTotal = "memory_total"
        case memoryFree = "memory_free"
    }

    /// The GPUs `driver` sees, with their free memory now.
    public static func all(driver: CUDADriver) throws(CUDAError) -> [GPUDescription] {
        var gpus: [GPUDescription] = []
        for ordinal in 0..<(try driver.deviceCount()) {
            let device = try driver.device(ordinal)
            let memory = try device.memoryInfo()
            gpus.append(
                GPUDescription(
                    index: ordinal, name: device.name, computeCapability: device.computeCapability.description,
                    memoryTotal: memory.total, memoryFree: memory.free))
        }
        return gpus
    }

    /// The GPUs of the system driver, or none when there is no usable driver (the server's start-up view).
    public static func detect(search: LibrarySearch = LibrarySearch()) -> [GPUDescription] {
        guard let driver = try? CUDADriver(search: search) else { return [] }
        return (try? all(driver: driver)) ?? []
    }
}
