import GRDB
import Hummingbird
import Prometheus
import Store

/// `GET /metrics`: the Prometheus text exposition of every metric the process records, with the jobs per state
/// counted from the database at each scrape (so they are right after a restart too).
struct MetricsController<Context: RequestContext> {
    let registry: PrometheusCollectorRegistry
    let services: ServerServices

    func addRoutes(to router: Router<Context>) {
        let registry = self.registry
        let database = services.database
        router.get("/metrics") { _, _ in
            let counts = try await database.writer.read { db in
                try [String: Int](
                    uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
                        .map { ($0["state"], $0["n"]) })
            }
            for state in JobState.allCases {
                PrometheusMetrics.jobs(state: state.rawValue).set(Double(counts[state.rawValue] ?? 0))
            }
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}
