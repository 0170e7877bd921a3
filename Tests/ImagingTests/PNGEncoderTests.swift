import CZlib
import Foundation
import Imaging
import Testing

/// Decodes what `PNGEncoder` wrote with an independent reader (chunk walk, CRC check, zlib inflate, filter undo),
/// so a wrong filter, checksum or header field fails here and not in someone's image viewer.
struct PNGEncoderTests {
    struct Chunk {
        let type: String
        let body: Data
    }

    func chunks(of png: Data) throws -> [Chunk] {
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        var chunks = [Chunk]()
        var offset = 8
        let bytes = [UInt8](png)
        func u32(_ at: Int) -> UInt32 { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | UInt32($1) } }
        while offset < bytes.count {
            let length = Int(u32(offset))
            let typeAndBody = Data(bytes[(offset + 4)..<(offset + 8 + length)])
            let crc = typeAndBody.withUnsafeBytes { crc32(0, $0.bindMemory(to: UInt8.self).baseAddress, uInt($0.count)) }
            #expect(UInt32(crc) == u32(offset + 8 + length), "CRC of chunk at \(offset)")
            chunks.append(Chunk(type: String(decoding: typeAndBody.prefix(4), as: UTF8.self), body: typeAndBody.dropFirst(4)))
            offset += 12 + length
        }
        return chunks
    }

    func inflate(_ data: Data, expectedSize: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: expectedSize)
        var size = uLongf(expectedSize)
        let input = [UInt8](data)
        let status = uncompress(&out, &size, input, uLong(input.count))
        #expect(status == Z_OK && Int(size) == expectedSize)
        return out
    }

    /// Undoes the five PNG filter types (ISO/IEC 15948 §9) for 8-bit samples.
    func unfilter(_ raw: [UInt8], width: Int, height: Int, channels: Int) -> [UInt8] {
        let stride = width * channels
        var pixels = [UInt8](repeating: 0, count: height * stride)
        for y in 0..<height {
            let filter = raw[y * (stride + 1)]
            for x in 0..<stride {
                let value = raw[y * (stride + 1) + 1 + x]
                let a = x >= channels ? Int(pixels[y * stride + x - channels]) : 0
                let b = y > 0 ? Int(pixels[(y - 1) * stride + x]) : 0
                let c = x >= channels && y > 0 ? Int(pixels[(y - 1) * stride + x - channels]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                default:
                    let p = a + b - c
                    let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                    predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                }
                pixels[y * stride + x] = value &+ UInt8(truncatingIfNeeded: predictor)
            }
        }
        return pixels
    }

    @Test(arguments: [1, 3, 4])
    func encodedPixelsDecodeBackExactly(channels: Int) throws {
        let (width, height) = (13, 7)
        let pixels = (0..<(width * height * channels)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ $0 / 5) }
        let image = Image(width: width, height: height, channels: channels, pixels: pixels)
        let png = try PNGEncoder.encode(image, text: [("parameters", "a cat\nSteps: 20")])
        let parts = try chunks(of: png)
        #expect(parts.map(\.type) == ["IHDR", "tEXt", "IDAT", "IEND"])
        let header = [UInt8](parts[0].body)
        #expect(header[0..<8] == [0, 0, 0, 13, 0, 0, 0, 7])
        #expect(header[8] == 8 && header[9] == [1: 0, 3: 2, 4: 6][channels])
        #expect(parts[1].body == Data("parameters".utf8) + Data([0]) + Data("a cat\nSteps: 20".utf8))
        let raw = inflate(parts[2].body, expectedSize: height * (width * channels + 1))
        #expect(unfilter(raw, width: width, height: height, channels: channels) == pixels)
    }

    @Test func unitValuesRoundLikeDiffusers() {
        // diffusers: (x * 255).round() after clamping to [0, 1]; NaN becomes 0.
        let image = Image(width: 5, height: 1, channels: 1, unitValues: [0, 1, 0.5, 1.7, .nan])
        #expect(image.pixels == [0, 255, 128, 255, 0])
    }

    @Test func rejectsInvalidTextKeywords() {
        let image = Image(width: 1, height: 1, channels: 1, pixels: [0])
        #expect(throws: PNGEncoder.EncodingError.self) { try PNGEncoder.encode(image, text: [("", "x")]) }
        #expect(throws: PNGEncoder.EncodingError.self) {
            try PNGEncoder.encode(image, text: [(String(repeating: "k", count: 80), "x")])
        }
    }
}
