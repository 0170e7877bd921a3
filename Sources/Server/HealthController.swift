import Hummingbird

/// `GET /healthz`: answers while the server accepts requests; open even when a token is configured.
struct HealthController<Context: RequestContext> {
    struct Health: ResponseEncodable {
        var status: String
    }

    func addRoutes(to router: Router<Context>) {
        router.get("/healthz") { _, _ in Health(status: "ok") }
    }
}
