import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A live HTTP server on a free local port that records the webhook deliveries it receives and answers them with
/// the statuses it is given, in order (200 once they run out); a 3xx answer redirects to itself.
actor WebhookReceiver {
    struct Delivery: Sendable {
        var headers: HTTPFields
        var body: Data

        func header(_ name: String) -> String? {
            headers.first { $0.name.canonicalName == name.lowercased() }?.value
        }
    }

    private(set) var received: [Delivery] = []
    private var answers: [HTTPResponse.Status]

    init(answers: [HTTPResponse.Status]) {
        self.answers = answers
    }

    func setAnswers(_ answers: [HTTPResponse.Status]) {
        self.answers = answers
    }

    private func receive(_ delivery: Delivery) -> HTTPResponse.Status {
        received.append(delivery)
        return answers.isEmpty ? .ok : answers.removeFirst()
    }

    /// Serves at `http://127.0.0.1:PORT/hook` while `body` runs; each answer comes after `delay`.
    func serve(delay: Duration = .zero, _ body: @Sendable (URL) async throws -> Void) async throws {
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let status = await self.receive(Delivery(headers: request.headers, body: Data(bytes.readableBytesView)))
            try await Task.sleep(for: delay)
            // A redirect points back here, so that following it would deliver.
            return Response(status: status, headers: status.kind == .redirection ? [.location: "/hook"] : [:])
        }
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await application.test(.live) { client in
            let port = try #require(client.port)
            try await body(try #require(URL(string: "http://127.0.0.1:\(port)/hook")))
        }
    }
}
