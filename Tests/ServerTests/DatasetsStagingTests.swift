import Foundation
import Testing

@testable import Server

@Suite struct DatasetsStagingTests {
    @Test func openingTheServicesEmptiesTheStagingFolder() throws {
        let configuration = try testConfiguration()
        let leftover = configuration.dataDirectory.appendingPathComponent("tmp/upload-crashed", isDirectory: true)
        try FileManager.default.createDirectory(at: leftover, withIntermediateDirectories: true)
        try Data("partial".utf8).write(to: leftover.appendingPathComponent("0"))
        _ = try ServerServices.open(configuration: configuration)
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
    }
}
