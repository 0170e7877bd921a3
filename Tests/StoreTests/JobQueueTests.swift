import Foundation
import GRDB
import Testing

@testable import Store

@Suite struct JobQueueTests {
    static func database() throws -> StoreDatabase {
        let database = try StoreDatabase.inMemory()
        try database.writer.write { db in try Fixtures.insertModelAndDataset(db) }
        return database
    }

    @Test func enqueueStoresAQueuedJob() throws {
        let database = try Self.database()
        let enqueued = try database.writer.write { db in try Job.enqueue(Fixtures.newJob(priority: 3), db) }
        #expect(enqueued.isNew)
        #expect(UUID(uuidString: enqueued.job.id) != nil)
        let stored = try database.writer.read { db in try Job.fetchOne(db, key: enqueued.job.id) }
        #expect(stored == enqueued.job)
        #expect(stored?.state == .queued)
        #expect(stored?.priority == 3)
        let row = try database.writer.read { db in
            try Row.fetchOne(
                db, sql: "SELECT state, model_id, config FROM jobs WHERE id = ?", arguments: [enqueued.job.id])
        }
        #expect(row?["state"] == "queued")
        #expect(row?["model_id"] == Fixtures.modelID)
        #expect(row?["config"] == #"{"network_dim": 8}"#)
    }

    @Test func theSameIdempotencyKeyReturnsTheExistingJob() throws {
        let database = try Self.database()
        let first = try database.writer.write { db in try Job.enqueue(Fixtures.newJob(key: "retry-1"), db) }
        let again = try database.writer.write { db in try Job.enqueue(Fixtures.newJob(key: "retry-1"), db) }
        #expect(!again.isNew)
        #expect(again.job == first.job)
        let other = try database.writer.write { db in try Job.enqueue(Fixtures.newJob(key: "retry-2"), db) }
        #expect(other.isNew && other.job.id != first.job.id)
        #expect(try database.writer.read { db in try Job.fetchCount(db) } == 2)
    }

    @Test func anIdempotencyKeyReusedForAnotherSubmissionIsRefused() throws {
        let database = try Self.database()
        _ = try database.writer.write { db in try Job.enqueue(Fixtures.newJob(key: "k"), db) }
        #expect(throws: StoreError.idempotencyKeyReused(key: "k")) {
            try database.writer.write { db in
                try Job.enqueue(Fixtures.newJob(key: "k", config: #"{"network_dim": 16}"#), db)
            }
        }
    }

    @Test func aConfigThatIsNotJSONIsRefused() throws {
        let database = try Self.database()
        #expect(throws: StoreError.invalidJSON(field: "config")) {
            try database.writer.write { db in try Job.enqueue(Fixtures.newJob(config: "{network_dim = 8"), db) }
        }
    }

    @Test func claimTakesHighestPriorityThenOldestAndMarksItPreparing() throws {
        let database = try Self.database()
        let ids = try database.writer.write { db in
            try [0, 5, 5, 1].map { priority in try Job.enqueue(Fixtures.newJob(priority: priority), db).job.id }
        }
        var order: [String] = []
        while let job = try database.writer.write({ db in try Job.claimNext(worker: "gpu-0", db) }) {
            #expect(job.state == .preparing)
            #expect(job.worker == "gpu-0")
            #expect(job.heartbeatAt != nil && job.startedAt != nil)
            #expect(try database.writer.read { db in try Job.fetchOne(db, key: job.id) } == job)
            order.append(job.id)
        }
        #expect(order == [ids[1], ids[2], ids[3], ids[0]])
    }

    @Test func claimSkipsJobsThatAreNotQueued() throws {
        let database = try Self.database()
        try database.writer.write { db in
            var canceled = try Job.enqueue(Fixtures.newJob(priority: 9), db).job
            canceled.state = .canceled
            try canceled.update(db)
        }
        #expect(try database.writer.write { db in try Job.claimNext(worker: "w", db) } == nil)
    }

    @Test func twoConcurrentClaimersNeverGetTheSameJob() async throws {
        // Two pools on one file behave like two server processes: the claim must hold across connections.
        let directory = try TemporaryDirectory()
        let first = try StoreDatabase(dataDirectory: directory.url)
        let second = try StoreDatabase(dataDirectory: directory.url)
        let jobCount = 60
        try await first.writer.write { db in
            try Fixtures.insertModelAndDataset(db)
            for _ in 0..<jobCount { _ = try Job.enqueue(Fixtures.newJob(), db) }
        }
        func drain(_ database: StoreDatabase, worker: String) async throws -> [String] {
            var claimed: [String] = []
            while let job = try await database.writer.write({ db in try Job.claimNext(worker: worker, db) }) {
                claimed.append(job.id)
            }
            return claimed
        }
        async let fromFirst = drain(first, worker: "a")
        async let fromSecond = drain(second, worker: "b")
        let (a, b) = try await (fromFirst, fromSecond)
        #expect(Set(a).isDisjoint(with: b))
        #expect(Set(a + b).count == jobCount)
        #expect(a.count + b.count == jobCount)
        let workers = try await first.writer.read { db in
            try Dictionary(grouping: Job.fetchAll(db), by: { $0.worker ?? "none" }).mapValues(\.count)
        }
        #expect(workers["a", default: 0] == a.count && workers["b", default: 0] == b.count)
    }
}
