import CCUDA

/// The CUDA driver (libcuda.so.1), loaded and initialised: the way to the GPUs.
public final class CUDADriver: Sendable {
    /// CUDA 12.0, as `cuDriverGetVersion` encodes it (1000·major + 10·minor).
    public static let minimumVersion: Int32 = 12_000

    public let api: DriverAPI
    /// The library file that was opened.
    public let path: String
    /// The CUDA version the driver supports, `1000·major + 10·minor`.
    public let version: Int32

    /// Loads the driver, checks its version and calls `cuInit`. A driver without a device fails here with
    /// `CUDA_ERROR_NO_DEVICE`.
    public init(search: LibrarySearch = LibrarySearch()) throws(CUDAError) {
        let library = try search.open(.driver)
        let api = try DriverAPI(library: library)
        var version: Int32 = 0
        try api.check(api.cuDriverGetVersion(&version), "cuDriverGetVersion")
        guard version >= Self.minimumVersion else {
            throw .versionTooOld(
                library: "the CUDA driver (\(library.path))", found: Self.versionText(version),
                required: Self.versionText(Self.minimumVersion))
        }
        try api.check(api.cuInit(0), "cuInit")
        self.api = api
        self.path = library.path
        self.version = version
    }

    /// `12.4` for 12040.
    public static func versionText(_ version: Int32) -> String { "\(version / 1000).\(version % 1000 / 10)" }

    /// The number of GPUs this process sees (after `CUDA_VISIBLE_DEVICES`).
    public func deviceCount() throws(CUDAError) -> Int {
        var count: Int32 = 0
        try api.check(api.cuDeviceGetCount(&count), "cuDeviceGetCount")
        return Int(count)
    }

    /// The GPU with this ordinal, with its primary context retained.
    public func device(_ ordinal: Int) throws(CUDAError) -> CUDADevice {
        let count = try deviceCount()
        guard (0..<count).contains(ordinal) else { throw .noSuchDevice(ordinal: ordinal, count: count) }
        return try CUDADevice(driver: self, ordinal: ordinal)
    }
}
