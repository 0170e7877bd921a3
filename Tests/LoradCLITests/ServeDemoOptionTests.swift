import Foundation
import Server
import Testing

@testable import lorad

/// `lorad serve` offers the bundled demo unless `--no-demo` says otherwise.
@Suite struct ServeDemoOptionTests {
    static let bundled = URL(fileURLWithPath: "/opt/lorad/lorad_Server.resources/Demo")

    static func configuration(_ arguments: [String]) throws -> ServerConfiguration {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lorad-serve-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let command = try #require(
            try Lorad.parseAsRoot(["serve", "--data-dir", data.path] + arguments) as? ServeCommand)
        return try command.serverConfiguration(environment: [:], bundledDemo: bundled)
    }

    @Test func theBundledDemoIsOfferedUnlessNoDemoIsGiven() throws {
        #expect(try Self.configuration([]).demoDirectory == Self.bundled)
        #expect(try Self.configuration(["--no-demo"]).demoDirectory == nil)
    }
}
