import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Runs the server until SIGTERM or SIGINT, then shuts it down gracefully: it stops accepting connections,
/// lets requests in flight finish, and returns.
///
/// The application is one service of a `ServiceGroup`, which shuts its services down in reverse order: services
/// added later (the store, then the workers) go before it in the list, so that the server stops first. The webhook
/// delivery service comes after it: it stops (finishing the attempts in flight) before the server does.
public func runServer(
    configuration: ServerConfiguration,
    logger: Logger = Logger(label: "lorad.server"),
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) async throws {
    let services = try ServerServices.open(configuration: configuration)
    let application = buildApplication(services: services, logger: logger, onServerRunning: onServerRunning)
    let webhooks = WebhookDeliveryService(
        database: services.database, serverSecret: configuration.webhookSecret,
        logger: Logger(label: "lorad.webhooks"))
    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(
            services: [application, webhooks], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
}
