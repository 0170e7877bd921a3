import CZlib
import Foundation

/// Gunzips a file into another, chunk by chunk, so that a `.tar.gz` is never held in memory; concatenated gzip
/// members are read one after another, as `gunzip` does.
enum GzipInflation {
    private static let chunkSize = 1 << 16

    /// Inflates `source` into `destination`, passing each output chunk's size to `count` before writing it (`count`
    /// throws to stop a gzip bomb).
    static func inflate(
        _ source: URL, archiveName: String, into destination: FileHandle, count: (Int64) throws -> Void
    ) throws {
        guard let input = FileHandle(forReadingAtPath: source.path) else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: source.path])
        }
        defer { try? input.close() }
        func corrupt(_ reason: String) -> DatasetImportError { .invalidEntry(path: archiveName, reason: reason) }

        var stream = z_stream()
        guard inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw corrupt("zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        let inputBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        let outputBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        defer {
            inputBuffer.deallocate()
            outputBuffer.deallocate()
        }
        var memberEnded = false
        var outputWasFull = false
        var readAnything = false
        while true {
            // More input only once inflate has used it all and has no output held back.
            if stream.avail_in == 0 && !outputWasFull {
                guard let chunk = try input.read(upToCount: chunkSize), !chunk.isEmpty else { break }
                chunk.copyBytes(to: inputBuffer, count: chunk.count)
                stream.next_in = inputBuffer
                stream.avail_in = UInt32(chunk.count)
                readAnything = true
            }
            if memberEnded {
                if stream.avail_in == 0 { continue }
                guard inflateReset(&stream) == Z_OK else { throw corrupt("zlib could not restart") }
                memberEnded = false
            }
            stream.next_out = outputBuffer
            stream.avail_out = UInt32(chunkSize)
            let status = CZlib.inflate(&stream, Z_NO_FLUSH)
            let produced = chunkSize - Int(stream.avail_out)
            outputWasFull = stream.avail_out == 0
            if produced > 0 {
                try count(Int64(produced))
                try destination.write(contentsOf: Data(bytes: outputBuffer, count: produced))
            }
            switch status {
            case Z_OK: continue
            case Z_STREAM_END:
                memberEnded = true
                outputWasFull = false  // a finished member holds nothing back
            case Z_BUF_ERROR where stream.avail_in == 0: continue  // needs more input
            default: throw corrupt("not valid gzip data")
            }
        }
        guard readAnything else { throw corrupt("the archive is empty") }
        guard memberEnded else { throw corrupt("the gzip data is truncated") }
    }
}
