import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces a file so that readers and crashes only ever see the old or the complete new contents.
enum AtomicFile {
    /// Writes `parts` in order to a temporary file in the destination's directory (rename is only atomic within a
    /// file system), fsyncs it, renames it over `url`, then fsyncs the directory so the rename itself is durable.
    static func replace(_ url: URL, with parts: [[UInt8]]) throws {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UInt64.random(in: .min ... .max)).tmp").path

        let descriptor = SystemError.retryingOnInterrupt {
            open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        guard descriptor >= 0 else { throw SystemError.last("create", temporary) }
        do {
            defer { close(descriptor) }
            for part in parts { try writeAll(part, to: descriptor, path: temporary) }
            guard fsync(descriptor) == 0 else { throw SystemError.last("fsync", temporary) }
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let failure = SystemError.last("rename \(temporary) to", path)
            unlink(temporary)
            throw failure
        }

        let directoryDescriptor = SystemError.retryingOnInterrupt {
            open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        guard directoryDescriptor >= 0 else { throw SystemError.last("open directory", directory) }
        defer { close(directoryDescriptor) }
        guard fsync(directoryDescriptor) == 0 else { throw SystemError.last("fsync directory", directory) }
    }

    /// `write` may write less than asked (signals, large buffers), so loop until everything is out.
    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = SystemError.retryingOnInterrupt {
                    write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                }
                // A regular file never accepts 0 bytes of a non-empty write unless something is wrong.
                guard written > 0 else { throw SystemError.last("write", path) }
                offset += written
            }
        }
    }
}
