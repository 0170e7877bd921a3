import GRDB

extension BlobReference {
    /// Records the blob in the `blobs` table (nothing if it is there already). Call it in the transaction that stores
    /// the first row referencing the blob, after `BlobStore.put` has returned.
    public func register(_ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO blobs (sha256, size, media_type, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (sha256) DO NOTHING
                """,
            arguments: [sha256, size, mediaType, UnixMilliseconds.now()])
    }
}

extension StoreDatabase {
    /// Start-up collection: deletes the `blobs` rows that no other row references, then every stored blob file that
    /// has no `blobs` row (a `put` whose transaction never committed) and every leftover temporary file. Run it
    /// before the server accepts work: a `put` whose transaction is still open would lose its file.
    ///
    /// References are found through the schema's foreign keys to `blobs`, so a later migration's new blob column is
    /// covered without changing this code.
    @discardableResult
    public func collectUnreferencedBlobs(in blobs: BlobStore) throws -> BlobStore.CollectionReport {
        let kept = try writer.write { db in
            let references = try Row.fetchAll(
                db,
                sql: """
                    SELECT m.name AS tableName, f."from" AS columnName
                    FROM sqlite_schema AS m, pragma_foreign_key_list(m.name) AS f
                    WHERE m.type = 'table' AND f."table" = 'blobs'
                    """)
            let referencedDigests = references.map { row -> String in
                let table = (row["tableName"] as String).quotedDatabaseIdentifier
                let column = (row["columnName"] as String).quotedDatabaseIdentifier
                return "SELECT \(column) FROM \(table) WHERE \(column) IS NOT NULL"
            }
            if referencedDigests.isEmpty {
                try db.execute(sql: "DELETE FROM blobs")
            } else {
                let union = referencedDigests.joined(separator: " UNION ")
                try db.execute(sql: "DELETE FROM blobs WHERE sha256 NOT IN (\(union))")
            }
            return try String.fetchSet(db, sql: "SELECT sha256 FROM blobs")
        }
        return try blobs.collectUnreferenced(referenced: kept)
    }
}
