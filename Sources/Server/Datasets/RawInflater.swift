import CZlib
import Foundation

/// Inflates a raw deflate stream (as zip stores it) chunk by chunk.
enum RawInflater {
    private static let outputSize = 1 << 16

    /// Pulls compressed chunks from `next` (nil at the end) and passes the inflated chunks to `emit` (which may
    /// throw to stop); `corrupt` makes the error for data that is not valid deflate.
    static func inflate(
        next: () throws -> Data?, emit: (Data) throws -> Void, corrupt: (String) -> DatasetImportError
    ) throws {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw corrupt("zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        let output = UnsafeMutablePointer<UInt8>.allocate(capacity: outputSize)
        defer { output.deallocate() }
        var input = [UInt8]()
        var inputOffset = 0
        var outputWasFull = false
        while true {
            if inputOffset == input.count && !outputWasFull {
                guard let chunk = try next() else { throw corrupt("the deflate data is truncated") }
                input = [UInt8](chunk)
                inputOffset = 0
            }
            let (status, consumed, produced) = input.withUnsafeMutableBufferPointer { buffer in
                stream.next_in = buffer.baseAddress.map { $0 + inputOffset }
                stream.avail_in = UInt32(buffer.count - inputOffset)
                stream.next_out = output
                stream.avail_out = UInt32(outputSize)
                let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                return (status, buffer.count - inputOffset - Int(stream.avail_in), outputSize - Int(stream.avail_out))
            }
            inputOffset += consumed
            outputWasFull = produced == outputSize
            if produced > 0 { try emit(Data(bytes: output, count: produced)) }
            switch status {
            case Z_STREAM_END: return
            case Z_OK: continue
            case Z_BUF_ERROR where inputOffset == input.count: continue  // needs more input
            default: throw corrupt("not valid deflate data")
            }
        }
    }
}
