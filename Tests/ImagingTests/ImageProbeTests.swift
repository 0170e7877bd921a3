import Foundation
import Imaging
import Testing

/// The probe needs only the header: cut just after it, a file still probes to the same answer while decoding
/// reports the truncation.
@Suite struct ImageProbeTests {
    /// The length of the fixture's header: through the scan header (JPEG), into the first IDAT (PNG), through the
    /// VP8L header (WebP), through the V4 DIB header (BMP).
    static func headerLength(of file: String, _ data: Data) -> Int? {
        switch file {
        case "orientation6.jpg": data.firstRange(of: Data([0xFF, 0xDA])).map { $0.lowerBound + 14 }
        case "orientation6.png": data.firstRange(of: Data("IDAT".utf8)).map { $0.lowerBound + 10 }
        case "lossless_alpha.webp": data.firstRange(of: Data("VP8L".utf8)).map { $0.lowerBound + 13 }
        case "rgba32_v4.bmp": 14 + 108
        default: nil
        }
    }

    @Test(arguments: ["orientation6.jpg", "orientation6.png", "lossless_alpha.webp", "rgba32_v4.bmp"])
    func probeReadsOnlyTheHeader(_ file: String) throws {
        let data = try ImageFixtures.data(file)
        let header = data.prefix(try #require(Self.headerLength(of: file, data)))
        #expect(header.count < data.count)
        #expect(try ImageDecoder.probe(header) == (try ImageDecoder.probe(data)))
        let error = try #require(throws: ImageDecodingError.self) { try ImageDecoder.decode(header) }
        guard case .truncated = error else {
            Issue.record("expected a truncation, got \(error)")
            return
        }
    }
}
