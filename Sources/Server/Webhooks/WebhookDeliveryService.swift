import Foundation
import GRDB
import Logging
import ServiceLifecycle
import Store

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Sends the rows of the webhook outbox (`webhook_deliveries`): due deliveries oldest first, each job's in event
/// order, several jobs at once. A 2xx answer marks a delivery delivered; any other answer, a timeout or a connection
/// error records the failure and schedules the next attempt by `schedule`, in the row, so that retries survive a
/// restart. A delivery cut short by shutdown is sent again by the next run: receivers should drop repeated
/// `X-Lorad-Delivery` ids.
///
/// It wakes when a transaction of this process commits outbox rows, and polls every `pollInterval` besides.
public struct WebhookDeliveryService: Service {
    private let database: StoreDatabase
    private let serverSecret: String?
    private let schedule: WebhookRetrySchedule
    private let timeout: Duration
    private let pollInterval: Duration
    private let concurrency: Int
    private let logger: Logger

    /// - Parameters:
    ///   - database: The store whose outbox is sent.
    ///   - serverSecret: Signs the deliveries of jobs without a secret of their own (`--webhook-secret`).
    ///   - schedule: When failed deliveries are tried again.
    ///   - timeout: How long one attempt may take.
    ///   - pollInterval: The longest wait between two looks at the outbox.
    ///   - concurrency: How many jobs' deliveries are sent at once.
    public init(
        database: StoreDatabase,
        serverSecret: String?,
        schedule: WebhookRetrySchedule = .standard,
        timeout: Duration = .seconds(10),
        pollInterval: Duration = .seconds(30),
        concurrency: Int = 4,
        logger: Logger = Logger(label: "lorad.webhooks")
    ) {
        self.database = database
        self.serverSecret = serverSecret
        self.schedule = schedule
        self.timeout = timeout
        self.pollInterval = pollInterval
        self.concurrency = max(concurrency, 1)
        self.logger = logger
    }

    /// Delivers until shut down gracefully (attempts in flight finish first) or cancelled (attempts in flight stop
    /// without being recorded).
    public func run() async {
        let wake = WakeSignal()
        let observation = DatabaseRegionObservation(tracking: Table(WebhookDelivery.databaseTableName)).start(
            in: database.writer,
            onError: { [logger] error in logger.error("webhook outbox observation failed: \(error)") },
            onChange: { _ in Task { await wake.signal() } })
        defer { observation.cancel() }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Double(timeout.milliseconds) / 1000
        configuration.timeoutIntervalForResource = Double(timeout.milliseconds) / 1000
        let session = URLSession(configuration: configuration, delegate: RedirectRefusal(), delegateQueue: nil)
        defer { session.invalidateAndCancel() }

        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let wait: Duration
                do {
                    try await deliverDue(session)
                    wait = try await timeUntilNextAttempt()
                } catch {
                    if Task.isCancelled { break }  // GRDB's async access throws once cancelled
                    logger.error("webhook outbox unreadable: \(error)")
                    wait = pollInterval
                }
                await wake.wait(upTo: wait)
            }
        } onGracefulShutdown: {
            Task { await wake.signal() }
        }
    }

    /// Sends every delivery due now, in rounds of at most one per job.
    private func deliverDue(_ session: URLSession) async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = UnixMilliseconds.now()
            let due = try await database.writer.read { db in
                try WebhookDelivery.due(at: now, limit: concurrency, db)
            }
            if due.isEmpty { return }
            await withTaskGroup(of: Void.self) { group in
                for delivery in due {
                    group.addTask { await attempt(delivery, session) }
                }
            }
        }
    }

    /// The wait until the next delivery is due, at most `pollInterval`.
    private func timeUntilNextAttempt() async throws -> Duration {
        let next = try await database.writer.read { db in try WebhookDelivery.nextAttemptTime(db) }
        guard let next else { return pollInterval }
        return min(.milliseconds(max(next - UnixMilliseconds.now(), 0)), pollInterval)
    }

    /// One attempt of `due`, recorded in its row unless cancelled.
    private func attempt(_ due: WebhookDelivery.Due, _ session: URLSession) async {
        let failure: String
        if let url = URL(string: due.url), let secret = due.secret ?? serverSecret {
            let request = WebhookPayload.request(
                url: url, event: due.event, deliveryID: due.delivery.id, secret: secret,
                timestamp: UnixMilliseconds.now() / 1000, timeout: timeout)
            do {
                let (_, response) = try await session.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if (200..<300).contains(status) {
                    await record(due) { now, db in
                        try WebhookDelivery.recordDelivered(id: due.delivery.id, at: now, db)
                    }
                    return
                }
                failure = "the receiver answered HTTP \(status)"
            } catch {
                if Task.isCancelled { return }
                failure = Self.describe(error)
            }
        } else {
            failure =
                due.secret == nil && serverSecret == nil
                ? "no secret to sign with: the job has none and the server no --webhook-secret"
                : "the URL cannot be parsed"
        }
        let attempt = due.delivery.attempts + 1
        let retryAt = schedule.delay(afterFailedAttempt: attempt).map { UnixMilliseconds.now() + $0.milliseconds }
        logger.warning(
            "webhook delivery failed",
            metadata: [
                "delivery": "\(due.delivery.id)", "job": "\(due.delivery.jobID)", "attempt": "\(attempt)",
                "error": "\(failure)", "gave_up": "\(retryAt == nil)",
            ])
        await record(due) { now, db in
            try WebhookDelivery.recordFailure(id: due.delivery.id, error: failure, retryAt: retryAt, at: now, db)
        }
    }

    /// A short reason for a failed request, for `last_error` and the log.
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? URLError else { return "\(error)" }
        switch error.code {
        case .timedOut: return "timed out"
        case .cannotConnectToHost: return "connection refused"
        case .cannotFindHost, .dnsLookupFailed: return "host not found"
        case .networkConnectionLost: return "connection lost"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            return "TLS failed"
        default: return "network error \(error.code.rawValue)"
        }
    }

    /// Writes the outcome of an attempt at the current time; a failed write leaves the row due, to be sent again.
    private func record(
        _ due: WebhookDelivery.Due, _ update: @escaping @Sendable (Int64, Database) throws -> Void
    ) async {
        do {
            try await database.writer.write { db in try update(UnixMilliseconds.now(), db) }
        } catch {
            logger.error("webhook delivery \(due.delivery.id) not recorded: \(error)")
        }
    }
}
