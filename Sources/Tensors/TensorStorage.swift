import Foundation

/// A block of device memory owned by one or more tensors.
///
/// The memory is released when the last tensor referring to it goes away. A storage never moves; backends write
/// only into storages they have just allocated for an op's output, so sharing one between threads is safe once an
/// op has returned.
public final class TensorStorage: @unchecked Sendable {
    /// Unique for the life of the process (unlike an object's address, which a later storage may reuse), so that
    /// a gradient tape can name tensors without keeping them alive.
    public let id: UInt64
    public let device: Device
    public let byteCount: Int
    /// Host address for `.cpu`, device address for GPU backends, `nil` for `.meta`.
    public let address: UnsafeMutableRawPointer?
    private let release: (@Sendable (UnsafeMutableRawPointer) -> Void)?

    public init(
        device: Device, byteCount: Int, address: UnsafeMutableRawPointer?,
        release: (@Sendable (UnsafeMutableRawPointer) -> Void)?
    ) {
        self.id = Self.serials.next()
        self.device = device
        self.byteCount = byteCount
        self.address = address
        self.release = release
    }

    /// Host memory aligned for SIMD loads.
    public static func allocateHost(byteCount: Int) -> TensorStorage {
        let address = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
        return TensorStorage(device: .cpu, byteCount: byteCount, address: address) { $0.deallocate() }
    }

    public static let meta = TensorStorage(device: .meta, byteCount: 0, address: nil, release: nil)

    private static let serials = SerialNumbers()

    deinit {
        if let address, let release { release(address) }
    }
}

/// A thread-safe counter.
private final class SerialNumbers: @unchecked Sendable {
    private let lock = NSLock()
    private var last: UInt64 = 0

    func next() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        last += 1
        return last
    }
}
