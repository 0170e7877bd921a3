import Foundation
import Logging
import Synchronization
import Testing

@testable import Server

@Suite struct JSONLogHandlerTests {
    @Test func eachLogLineIsOneJSONObjectWithTheMetadataAsFields() throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "lorad.test") { label in
            JSONLogHandler(label: label) { line in lines.withLock { $0.append(line) } }
        }
        logger[metadataKey: "worker"] = "worker-0"
        logger.info("job started", metadata: ["job": "abc", "note": "a \"quoted\"\nline"])
        logger.debug("below the level")
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        let line = try #require(written.first)
        #expect(line.hasSuffix("}\n") && line.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["message"] == "job started")
        #expect(object["level"] == "info")
        #expect(object["label"] == "lorad.test")
        #expect(object["job"] == "abc" && object["worker"] == "worker-0")
        #expect(object["note"] == "a \"quoted\"\nline")
        #expect(object["time"]?.hasSuffix("Z") == true)
    }
}
