import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

/// Serialized: the process has one metrics registry, and the job gauges are set at each scrape.
@Suite(.serialized) struct HealthAndMetricsTests {
    @Test func healthzAnswersOK() async throws {
        try await testApplication(testConfiguration()).test(.router) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let health = try JSONDecoder().decode([String: String].self, from: Data(response.body.readableBytesView))
            #expect(health == ["status": "ok"])
        }
    }

    @Test func metricsCountRequestsInPrometheusFormat() async throws {
        // Two applications in one process share the metrics system: bootstrapping it twice would crash here.
        for _ in 0..<2 {
            try await testApplication(testConfiguration()).test(.router) { client in
                _ = try await client.execute(uri: "/healthz", method: .get)
                let response = try await client.execute(uri: "/metrics", method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let text = bodyString(response)
                #expect(text.contains("# TYPE hb_requests counter"))
                let healthLine = text.split(separator: "\n").first {
                    $0.hasPrefix("hb_requests{") && $0.contains("http_route=\"/healthz\"")
                        && $0.contains("http_response_status_code=\"200\"")
                }
                let count = try #require(healthLine?.split(separator: " ").last.flatMap { Double($0) })
                #expect(count >= 1)
            }
        }
    }

    @Test func metricsCountTheJobsOfEachState() async throws {
        let server = try TestServer()
        try await server.application.test(.router) { client in
            for _ in 0..<2 { _ = try await client.post("/v1/jobs", json: server.jobBody()) }
            let text = bodyString(try await client.execute(uri: "/metrics", method: .get))
            #expect(text.contains("lorad_jobs{state=\"queued\"} 2"), "\(text)")
            #expect(text.contains("lorad_jobs{state=\"training\"} 0"))
        }
    }
}
