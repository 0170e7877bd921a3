import Foundation
import GRDB
import Logging
import Store

/// What start-up does before any request or worker runs: jobs a crash left running go back to the queue (to resume
/// from their last saved state), so do grids (keeping the cells they have), blobs no row references are collected, and leftover work folders removed.
enum StartupRecovery {
    static func run(_ services: ServerServices, logger: Logger) throws {
        let requeued = try services.database.writer.write { db in
            let jobs = try Job.requeueInterrupted(db)
            for job in jobs {
                let from = job.resumeStateSHA256 == nil ? "the start" : "its last saved state"
                try JobEventLog.append(
                    job.id,
                    .log(level: .warning, message: "the server stopped while the job ran; it continues from \(from)"),
                    db)
                try JobEventLog.append(job.id, .state(JobStateEvent(state: .queued)), db)
            }
            return jobs
        }
        for job in requeued { logger.notice("interrupted job queued again", metadata: ["job": "\(job.id)"]) }
        for grid in try services.database.writer.write({ db in try Grid.requeueInterrupted(db) }) {
            logger.notice(
                "interrupted grid queued again", metadata: ["grid": "\(grid.id)", "cells": "\(grid.progress)"])
        }
        let report = try services.database.collectUnreferencedBlobs(in: services.blobs)
        if !report.deletedBlobs.isEmpty || report.deletedTemporaryFiles > 0 {
            logger.info(
                "collected \(report.deletedBlobs.count) unreferenced blobs and \(report.deletedTemporaryFiles) temporary files"
            )
        }
        try? FileManager.default.removeItem(
            at: services.configuration.dataDirectory.appendingPathComponent("work", isDirectory: true))
    }
}
