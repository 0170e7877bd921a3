import Foundation
import GRDB
import Store

/// A job's webhook as `POST /v1/jobs` takes it: `webhook_url`, `webhook_events` and the write-only `webhook_secret`.
/// The jobs route validates the three fields with `validate`, then registers them with `register` in the transaction
/// that inserts the job.
public enum JobWebhook {
    /// The event types a webhook may receive.
    public static let eventTypes: Set<String> = ["state", "checkpoint", "sample", "error", "progress"]
    /// The event types delivered when a job names none.
    public static let defaultEvents = ["state", "checkpoint"]
    /// The longest URL accepted.
    public static let maximumURLLength = 2000
    /// The lengths accepted for a secret, the job's or the server's.
    public static let secretLengths = 16...256

    /// The problems of a job's webhook fields, each naming its field (`webhook_url`, `webhook_events`,
    /// `webhook_secret`); empty when they are fine. Without a URL the other two must be absent. A job without a
    /// secret of its own needs the server's (`serverSecret`, from `--webhook-secret`).
    public static func validate(
        url: String?, events: [String]?, secret: String?, serverSecret: String?
    ) -> [ProblemError.FieldError] {
        var errors: [ProblemError.FieldError] = []
        guard let url else {
            if events != nil { errors.append(.init(field: "webhook_events", message: "needs a webhook_url")) }
            if secret != nil { errors.append(.init(field: "webhook_secret", message: "needs a webhook_url")) }
            return errors
        }
        if let problem = urlProblem(url) {
            errors.append(.init(field: "webhook_url", message: problem))
        }
        if let events {
            if events.isEmpty {
                errors.append(
                    .init(field: "webhook_events", message: "names no event type; leave it out for the default"))
            }
            let unknown = events.filter { !eventTypes.contains($0) }
            if !unknown.isEmpty {
                // A hostile list must not make a huge message: name a few, shortened.
                let names =
                    unknown.prefix(5).map { "'\($0.prefix(50))'" }.joined(separator: ", ")
                    + (unknown.count > 5 ? " and \(unknown.count - 5) more" : "")
                let known = eventTypes.sorted().joined(separator: ", ")
                errors.append(.init(field: "webhook_events", message: "unknown event type \(names) (known: \(known))"))
            }
        }
        if let secret {
            if let problem = secretProblem(secret) {
                errors.append(.init(field: "webhook_secret", message: problem))
            }
        } else if serverSecret == nil {
            errors.append(
                .init(
                    field: "webhook_secret",
                    message: "is required: the server has no --webhook-secret (LORAD_WEBHOOK_SECRET) to sign with"))
        }
        return errors
    }

    /// Records the webhook of job `jobID`; does nothing when `url` is nil. `events` nil means `defaultEvents`;
    /// `secret` nil signs with the server's secret. Call it, after `validate` found nothing, in the transaction that
    /// inserts the job.
    public static func register(jobID: String, url: String?, events: [String]?, secret: String?, _ db: Database) throws
    {
        guard let url else { return }
        try JobWebhookRecord(jobID: jobID, url: url, events: events ?? defaultEvents, secret: secret).insert(db)
    }

    /// Why `secret` cannot sign webhooks, nil when it can. The server's `--webhook-secret` follows the same rule.
    public static func secretProblem(_ secret: String) -> String? {
        guard secretLengths.contains(secret.unicodeScalars.count) else {
            return "must be \(secretLengths.lowerBound) to \(secretLengths.upperBound) characters long"
        }
        guard secret.unicodeScalars.allSatisfy({ (0x20...0x7E).contains($0.value) }) else {
            return "must be printable ASCII"
        }
        return nil
    }

    /// Why `url` cannot receive webhooks, nil when it can.
    private static func urlProblem(_ url: String) -> String? {
        guard url.utf8.count <= maximumURLLength else {
            return "is longer than \(maximumURLLength) characters"
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            return "is not a URL"
        }
        guard scheme == "http" || scheme == "https" else {
            return "must be an http or https URL"
        }
        guard let host = components.host, !host.isEmpty else {
            return "has no host"
        }
        guard components.user == nil, components.password == nil else {
            return "must not hold credentials; the deliveries are signed with webhook_secret"
        }
        if let port = components.port, !(1...65535).contains(port) {
            return "has a port outside 1...65535"
        }
        return nil
    }
}
