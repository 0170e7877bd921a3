import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive lock on the data directory (`flock` on `<data-dir>/lorad.lock`), held while the server runs: a second
/// server on the same directory would requeue the first one's running jobs as crashed. The kernel drops the lock
/// when the process dies, however it dies.
public final class DataDirectoryLock: Sendable {
    private let descriptor: Int32

    public init(dataDirectory: URL) throws {
        let path = dataDirectory.appendingPathComponent("lorad.lock").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw LockError(description: "\(path): cannot open the lock file") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw LockError(description: "\(dataDirectory.path) is in use by another lorad server")
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    public struct LockError: Error, CustomStringConvertible {
        public let description: String
    }
}
