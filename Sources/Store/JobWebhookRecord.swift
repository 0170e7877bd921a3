import Foundation
import GRDB

/// The webhook of a job, one row of `job_webhooks`: where its events go, which ones, and the secret that signs them.
public struct JobWebhookRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "job_webhooks"

    public var jobID: String
    /// An http or https URL.
    public var url: String
    /// The event types delivered, a JSON array of strings.
    public var events: String
    /// The job's own secret; nil signs with the server's secret.
    public var secret: String?

    enum CodingKeys: String, CodingKey {
        case url, events, secret
        case jobID = "job_id"
    }

    /// A record for job `jobID` delivering `events` (kept in the given order, duplicates dropped).
    public init(jobID: String, url: String, events: [String], secret: String?) {
        var seen = Set<String>()
        let unique = events.filter { seen.insert($0).inserted }
        self.jobID = jobID
        self.url = url
        // An array of strings always encodes.
        self.events = String(decoding: (try? JSONEncoder().encode(unique)) ?? Data("[]".utf8), as: UTF8.self)
        self.secret = secret
    }
}
