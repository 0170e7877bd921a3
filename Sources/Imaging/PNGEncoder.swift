import CZlib
import Foundation

/// Writes PNG files (ISO/IEC 15948): 8-bit gray, RGB or RGBA, deflate by zlib, optional tEXt chunks (A1111 keeps
/// generation parameters in one named "parameters", which many tools read back).
public enum PNGEncoder {
    public enum EncodingError: Error, CustomStringConvertible {
        case compressionFailed(code: Int32)
        case invalidTextKeyword(String)

        public var description: String {
            switch self {
            case .compressionFailed(let code): "PNG: zlib compression failed with code \(code)"
            case .invalidTextKeyword(let keyword):
                "PNG: text keyword '\(keyword)' must be 1-79 Latin-1 characters without leading/trailing spaces"
            }
        }
    }

    public static func encode(_ image: Image, text: [(keyword: String, value: String)] = []) throws -> Data {
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var header = Data()
        header.appendBigEndian(UInt32(image.width))
        header.appendBigEndian(UInt32(image.height))
        let colorType: UInt8 = switch image.channels {
        case 1: 0
        case 3: 2
        default: 6
        }
        header.append(contentsOf: [8, colorType, 0, 0, 0])
        png.appendChunk("IHDR", header)
        for (keyword, value) in text {
            png.appendChunk("tEXt", try textChunk(keyword: keyword, value: value))
        }
        png.appendChunk("IDAT", try deflate(scanlines(of: image)))
        png.appendChunk("IEND", Data())
        return png
    }

    /// Each row prefixed by its filter type; "Sub" suits smooth generated images better than "None".
    private static func scanlines(of image: Image) -> [UInt8] {
        let stride = image.width * image.channels
        var out = [UInt8](repeating: 0, count: image.height * (stride + 1))
        image.pixels.withUnsafeBufferPointer { pixels in
            for y in 0..<image.height {
                let row = y * stride
                let target = y * (stride + 1)
                out[target] = 1
                for x in 0..<stride {
                    let left = x >= image.channels ? pixels[row + x - image.channels] : 0
                    out[target + 1 + x] = pixels[row + x] &- left
                }
            }
        }
        return out
    }

    private static func deflate(_ bytes: [UInt8]) throws -> Data {
        var capacity = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(capacity))
        let status = compress2(&out, &capacity, bytes, uLong(bytes.count), 6)
        guard status == Z_OK else { throw EncodingError.compressionFailed(code: status) }
        return Data(out[0..<Int(capacity)])
    }

    private static func textChunk(keyword: String, value: String) throws -> Data {
        guard (1...79).contains(keyword.count), keyword.first != " ", keyword.last != " ",
            let keywordBytes = keyword.data(using: .isoLatin1)
        else { throw EncodingError.invalidTextKeyword(keyword) }
        // tEXt is Latin-1; characters outside it become '?' rather than failing the whole image.
        let valueBytes = value.data(using: .isoLatin1, allowLossyConversion: true) ?? Data()
        return keywordBytes + Data([0]) + valueBytes
    }
}

extension Data {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    fileprivate mutating func appendChunk(_ type: String, _ body: Data) {
        appendBigEndian(UInt32(body.count))
        let typeBytes = Data(type.utf8)
        append(typeBytes)
        append(body)
        let checksum = (typeBytes + body).withUnsafeBytes { raw in
            crc32(0, raw.bindMemory(to: UInt8.self).baseAddress, uInt(raw.count))
        }
        appendBigEndian(UInt32(checksum))
    }
}
