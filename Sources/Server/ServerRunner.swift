import CUDA
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Runs the server until SIGTERM or SIGINT, then shuts it down gracefully: open event streams end (clients
/// reconnect to the next server), the HTTP server stops accepting and lets requests in flight finish, and the
/// running jobs save their state and go back to the queue.
///
/// Before anything runs, the data directory is locked and opened (`ServerServices.prepare`). A `ServiceGroup` shuts
/// its services down in reverse order, hence the order of the list: the event streams end, the HTTP server drains,
/// the workers save their jobs' states, and the webhook deliveries stop last, after the attempts in flight (what is
/// left pending is sent after the next start).
public func runServer(
    configuration: ServerConfiguration,
    devices: [WorkerPool.Device],
    gpus: [GPUDescription] = [],
    timing: WorkerPool.Timing = WorkerPool.Timing(),
    logger: Logger = Logger(label: "lorad.server"),
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) async throws {
    let lock = try DataDirectoryLock(dataDirectory: configuration.dataDirectory)
    let services = try ServerServices.prepare(configuration: configuration, gpus: gpus, logger: logger)

    let workers = WorkerPool(services: services, devices: devices, timing: timing, logger: logger)
    let application = buildApplication(services: services, logger: logger, onServerRunning: onServerRunning)
    let webhooks = WebhookDeliveryService(
        database: services.database, serverSecret: configuration.webhookSecret,
        logger: Logger(label: "lorad.webhooks"))
    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(
            services: [webhooks, workers, application, EventStreamCloser(changes: services.changes)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
    withExtendedLifetime(lock) {}
}

/// Closes the change hub at shutdown, which ends every open event stream, so that the HTTP server can drain.
struct EventStreamCloser: Service {
    let changes: JobChangeHub

    func run() async throws {
        try? await gracefulShutdown()
        changes.close()
    }
}
