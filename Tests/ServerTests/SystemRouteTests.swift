import CUDA
import Foundation
import HummingbirdTesting
import Testing

@testable import Server

@Suite struct SystemRouteTests {
    /// The GPUs found at start-up are listed with the document's names, and the response fits its schema.
    @Test func listsTheGPUsFoundAtStartUp() async throws {
        let gpu = GPUDescription(
            index: 0, name: "Test GPU", computeCapability: "8.6", memoryTotal: 25_769_803_776,
            memoryFree: 24_000_000_000)
        let configuration = try testConfiguration()
        defer { try? FileManager.default.removeItem(at: configuration.dataDirectory) }
        let services = try ServerServices.open(configuration: configuration, gpus: [gpu])
        let document = try OpenAPIDocument()
        try await buildApplication(services: services).test(.router) { client in
            let response = try await OpenAPIDocumentTests.exchange(client, document, .get, "/v1/system", expect: .ok)
            let system = try jsonObject(response)
            let gpus = try #require(system["gpus"] as? [[String: Any]])
            #expect(gpus.count == 1)
            #expect(gpus.first?["name"] as? String == "Test GPU")
            #expect(gpus.first?["compute_capability"] as? String == "8.6")
            #expect(gpus.first?["memory_total"] as? Int == 25_769_803_776)
            #expect(gpus.first?["memory_free"] as? Int == 24_000_000_000)
            #expect(gpus.first?["index"] as? Int == 0)
        }
    }

    /// Without a driver the list is there and empty.
    @Test func anEmptyListWithoutGPUs() async throws {
        let configuration = try testConfiguration()
        defer { try? FileManager.default.removeItem(at: configuration.dataDirectory) }
        try await testApplication(configuration).test(.router) { client in
            let response = try await client.execute(uri: "/v1/system", method: .get)
            let system = try jsonObject(response)
            #expect((system["gpus"] as? [Any])?.isEmpty == true)
        }
    }
}
