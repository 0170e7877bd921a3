#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns failed system calls into `SafeTensorsError.io`.
enum SystemError {
    /// The C library's text for an `errno` value.
    static func message(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// The error for the call that just failed, read from `errno`.
    static func last(_ operation: String, _ path: String) -> SafeTensorsError {
        .io(path: path, operation: operation, code: errno)
    }

    /// Runs a system call, retrying while it is interrupted by a signal.
    static func retryingOnInterrupt<T: BinaryInteger>(_ call: () -> T) -> T {
        while true {
            let result = call()
            if result != -1 || errno != EINTR { return result }
        }
    }
}
