import Hummingbird
import Prometheus

/// `GET /metrics`: the Prometheus text exposition of every metric the process records.
struct MetricsController<Context: RequestContext> {
    let registry: PrometheusCollectorRegistry

    func addRoutes(to router: Router<Context>) {
        let registry = self.registry
        router.get("/metrics") { _, _ in
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}
