import Foundation
import GRDB
import Testing

@testable import Store

@Suite struct JobEventTests {
    static func databaseWithTwoJobs() throws -> (StoreDatabase, String, String) {
        let database = try StoreDatabase.inMemory()
        let (first, second) = try database.writer.write { db in
            try Fixtures.insertModelAndDataset(db)
            return (try Job.enqueue(Fixtures.newJob(), db).job.id, try Job.enqueue(Fixtures.newJob(), db).job.id)
        }
        return (database, first, second)
    }

    @Test func eventsAreNumberedFromOnePerJob() throws {
        let (database, first, second) = try Self.databaseWithTwoJobs()
        let seqs = try database.writer.write { db in
            [
                try JobEvent.append(jobID: first, type: "state", data: #"{"state":"queued"}"#, db).seq,
                try JobEvent.append(jobID: first, type: "progress", data: #"{"step":1}"#, db).seq,
                try JobEvent.append(jobID: second, type: "state", data: #"{"state":"queued"}"#, db).seq,
                try JobEvent.append(jobID: first, type: "progress", data: #"{"step":2}"#, db).seq,
            ]
        }
        #expect(seqs == [1, 2, 1, 3])
    }

    @Test func readingAfterASeqReplaysTheRestInOrder() throws {
        let (database, first, second) = try Self.databaseWithTwoJobs()
        try database.writer.write { db in
            for step in 1...5 {
                _ = try JobEvent.append(jobID: first, type: "progress", data: #"{"step":\#(step)}"#, db)
            }
            _ = try JobEvent.append(jobID: second, type: "progress", data: "{}", db)
        }
        let replay = try database.writer.read { db in try JobEvent.after(2, jobID: first, db) }
        #expect(replay.map(\.seq) == [3, 4, 5])
        #expect(replay.map(\.data) == [#"{"step":3}"#, #"{"step":4}"#, #"{"step":5}"#])
        #expect(replay.allSatisfy { $0.jobID == first && $0.type == "progress" })
        #expect(
            try database.writer.read { db in try JobEvent.after(0, jobID: first, limit: 2, db) }.map(\.seq) == [1, 2])
        #expect(try database.writer.read { db in try JobEvent.after(5, jobID: first, db) }.isEmpty)
        #expect(try database.writer.read { db in try JobEvent.after(0, jobID: first, limit: -1, db) }.isEmpty)
    }

    @Test func anEventForAnUnknownJobIsRefused() throws {
        let (database, _, _) = try Self.databaseWithTwoJobs()
        #expect(throws: StoreError.jobNotFound(id: "nope")) {
            try database.writer.write { db in try JobEvent.append(jobID: "nope", type: "state", data: "{}", db) }
        }
    }

    @Test func eventDataThatIsNotJSONIsRefused() throws {
        let (database, first, _) = try Self.databaseWithTwoJobs()
        #expect(throws: StoreError.invalidJSON(field: "data")) {
            try database.writer.write { db in try JobEvent.append(jobID: first, type: "progress", data: "{", db) }
        }
    }

    @Test func deletingAJobDeletesItsEvents() throws {
        let (database, first, _) = try Self.databaseWithTwoJobs()
        try database.writer.write { db in
            _ = try JobEvent.append(jobID: first, type: "state", data: "{}", db)
            _ = try Job.deleteOne(db, key: first)
        }
        #expect(try database.writer.read { db in try JobEvent.fetchCount(db) } == 0)
    }
}
