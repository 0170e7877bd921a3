import Foundation
import GRDB
import Hummingbird
import Store

/// `GET /v1/jobs?state=a,b&limit=n&cursor=c`: jobs newest first, a page at a time. The cursor is the position after
/// the page's last job (its creation time and id), so pages stay right while jobs are added.
struct JobListQuery: Sendable {
    var states: [JobState]
    var limit: Int
    var after: (createdAt: Int64, id: String)?

    static let limits = 1...200

    struct Page: Encodable {
        var jobs: [JobResource]
        var nextCursor: String?

        enum CodingKeys: String, CodingKey {
            case jobs
            case nextCursor = "next_cursor"
        }
    }

    init(_ parameters: Parameters) throws {
        var errors: [ProblemError.FieldError] = []
        states = []
        if let text = parameters["state"] {
            for name in text.split(separator: ",", omittingEmptySubsequences: false) {
                if let state = JobState(rawValue: String(name)) {
                    states.append(state)
                } else {
                    let known = JobState.allCases.map(\.rawValue).joined(separator: ", ")
                    errors.append(.init(field: "state", message: "\"\(name)\" is not a job state (\(known))"))
                }
            }
        }
        limit = 50
        if let text = parameters["limit"] {
            if let number = Int(text), Self.limits.contains(number) {
                limit = number
            } else {
                errors.append(.init(field: "limit", message: "must be an integer from 1 to \(Self.limits.upperBound)"))
            }
        }
        if let text = parameters["cursor"] {
            if let cursor = Self.decodeCursor(String(text)) {
                after = cursor
            } else {
                errors.append(.init(field: "cursor", message: "is not a cursor this server gave"))
            }
        }
        guard errors.isEmpty else { throw ProblemError.validation(errors) }
    }

    func page(_ db: Database) throws -> Page {
        var request = Job.all()
        if !states.isEmpty { request = request.filter(states.map(\.rawValue).contains(Column("state"))) }
        if let after {
            request = request.filter(
                Column("created_at") < after.createdAt
                    || (Column("created_at") == after.createdAt && Column("id") < after.id))
        }
        let jobs = try request.order(Column("created_at").desc, Column("id").desc).limit(limit + 1).fetchAll(db)
        let shown = jobs.prefix(limit)
        let next = jobs.count > limit ? shown.last.map { Self.encodeCursor(createdAt: $0.createdAt, id: $0.id) } : nil
        return Page(jobs: try shown.map { try JobResource($0, includingConfig: false, db) }, nextCursor: next)
    }

    static func encodeCursor(createdAt: Int64, id: String) -> String {
        Data("\(createdAt)/\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    static func decodeCursor(_ cursor: String) -> (createdAt: Int64, id: String)? {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard cursor.count <= 200, let data = Data(base64Encoded: base64),
            let text = String(data: data, encoding: .utf8)
        else { return nil }
        let parts = text.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let createdAt = Int64(parts[0]) else { return nil }
        return (createdAt, String(parts[1]))
    }
}
