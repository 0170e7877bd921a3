import Hummingbird
import Logging
import NIOCore

/// Builds the lorad HTTP application; `lorad serve` runs it and the tests drive it in process.
///
/// Middleware, outermost first: request logging, request metrics, problem+json rendering (so every error below is
/// rendered once), bearer-token auth on `/v1/*` when `configuration.token` is set, and static files from
/// `configuration.staticDirectory`, which answer only where no route does.
/// - Parameters:
///   - services: The configuration (validate it first), database and blob store the routes use.
///   - logger: The application's logger; each request's logger derives from it.
///   - onServerRunning: Called once the server listens, with the bound channel (its `localAddress` gives the port
///     when the configuration asked for port 0).
public func buildApplication(
    services: ServerServices,
    logger: Logger = Logger(label: "lorad.server"),
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let configuration = services.configuration
    return Application(
        router: buildRouter(services: services, logger: logger),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port), serverName: "lorad"),
        onServerRunning: onServerRunning,
        logger: logger)
}

/// The router of `buildApplication`: its middleware and every route (`routes` lists them, for the OpenAPI test).
func buildRouter(services: ServerServices, logger: Logger) -> Router<BasicRequestContext> {
    let configuration = services.configuration
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: RequestLoggingMiddleware())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ProblemMiddleware())
    if let token = configuration.token {
        router.add(middleware: BearerTokenMiddleware(token: token))
    }
    router.add(
        middleware: FileMiddleware(
            configuration.staticDirectory.path, searchForIndexHtml: true,
            logger: logger))

    HealthController().addRoutes(to: router)
    MetricsController(registry: PrometheusMetrics.registry, services: services).addRoutes(to: router)
    OpenAPIController().addRoutes(to: router)
    ModelsController(services: services).addRoutes(to: router)
    JobsController(services: services).addRoutes(to: router)
    JobOutputsController(services: services).addRoutes(to: router)
    GridsController(services: services).addRoutes(to: router)
    EventStreamController(services: services).addRoutes(to: router)
    SystemController(services: services).addRoutes(to: router)
    DatasetController(services: services).addRoutes(to: router)
    DemoController(services: services).addRoutes(to: router)
    return router
}
