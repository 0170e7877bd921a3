import Foundation
import GRDB
import Store

/// Queues job events for delivery to their job's webhook. A delivery is a row written in the transaction that
/// appends the event, so an event is delivered if and only if it was committed, even across a crash;
/// `WebhookDeliveryService` sends the rows and sees new ones as soon as they commit.
public enum WebhookOutbox {
    /// Adds a delivery of `event` when its job has a webhook whose events include the event's type. Call it in the
    /// transaction that appends the event.
    public static func enqueue(_ event: JobEvent, _ db: Database) throws {
        try WebhookDelivery.enqueue(event, id: UUID().uuidString.lowercased(), at: UnixMilliseconds.now(), db)
    }
}
