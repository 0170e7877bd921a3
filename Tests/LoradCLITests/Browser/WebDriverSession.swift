import Foundation

/// A W3C WebDriver session with a browser, spoken as plain JSON over HTTP (no Selenium): the few commands the
/// browser tests need.
struct WebDriverSession: Sendable {
    /// A WebDriver element reference.
    struct Element: Sendable {
        let id: String
    }

    /// The W3C key under which an element reference travels.
    private static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    /// The port chromedriver listens on (127.0.0.1).
    let driverPort: Int
    let id: String

    /// Opens a session with headless Chromium that records the browser's console (`goog:loggingPrefs`).
    static func headlessChromium(driverPort: Int) async throws(WebDriverError) -> WebDriverSession {
        let capabilities: [String: Any] = [
            "browserName": "chrome",
            "goog:chromeOptions": [
                // No sandbox: test machines and CI containers often run as root, where Chromium's sandbox refuses.
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1024"]
            ],
            "goog:loggingPrefs": ["browser": "ALL"],
        ]
        let value = try await command(
            "/session", port: driverPort, method: "POST", body: ["capabilities": ["alwaysMatch": capabilities]])
        guard let sessionID = (value as? [String: Any])?["sessionId"] as? String else {
            throw .malformedAnswer("POST /session", String(describing: value))
        }
        return WebDriverSession(driverPort: driverPort, id: sessionID)
    }

    /// Loads `url` and waits for its `load` event.
    func navigate(to url: URL) async throws(WebDriverError) {
        _ = try await call("url", body: ["url": url.absoluteString])
    }

    /// The first element matching a CSS selector; `noSuchElement` when none does.
    func element(_ selector: String) async throws(WebDriverError) -> Element {
        let value = try await call("element", body: ["using": "css selector", "value": selector])
        guard let id = (value as? [String: Any])?[Self.elementKey] as? String else {
            throw .malformedAnswer("element \(selector)", String(describing: value))
        }
        return Element(id: id)
    }

    /// Types `text` into an element; for `<input type=file multiple>`, newline-separated paths choose those files.
    func sendKeys(_ text: String, to element: Element) async throws(WebDriverError) {
        _ = try await call("element/\(element.id)/value", body: ["text": text])
    }

    /// Empties an editable element.
    func clear(_ element: Element) async throws(WebDriverError) {
        _ = try await call("element/\(element.id)/clear", body: [:])
    }

    func click(_ element: Element) async throws(WebDriverError) {
        _ = try await call("element/\(element.id)/click", body: [:])
    }

    /// Runs `script` (a function body) in the page and returns its JSON result.
    func execute(_ script: String, arguments: [Any] = []) async throws(WebDriverError) -> Any {
        try await call("execute/sync", body: ["script": script, "args": arguments])
    }

    /// The browser console entries since the last call, as `(level, source, message)`; chromedriver's log endpoint.
    func browserLog() async throws(WebDriverError) -> [(level: String, source: String, message: String)] {
        let value = try await call("se/log", body: ["type": "browser"])
        guard let entries = value as? [[String: Any]] else {
            throw .malformedAnswer("se/log", String(describing: value))
        }
        return entries.map {
            (
                level: $0["level"] as? String ?? "", source: $0["source"] as? String ?? "",
                message: $0["message"] as? String ?? ""
            )
        }
    }

    /// Ends the session and closes the browser.
    func delete() async throws(WebDriverError) {
        _ = try await Self.command("/session/\(id)", port: driverPort, method: "DELETE", body: nil)
    }

    private func call(_ path: String, body: [String: Any]) async throws(WebDriverError) -> Any {
        try await Self.command("/session/\(id)/\(path)", port: driverPort, method: "POST", body: body)
    }

    /// Sends one command and returns the answer's `value`; a WebDriver error answer becomes `.command`.
    private static func command(
        _ path: String, port: Int, method: String, body: [String: Any]?
    ) async throws(WebDriverError) -> Any {
        let what = "\(method) \(path)"
        let response: LoopbackHTTP.Response
        let object: Any
        do {
            let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
            response = try LoopbackHTTP.exchange(method: method, port: port, path: path, body: data)
            object = try JSONSerialization.jsonObject(with: response.body, options: [.fragmentsAllowed])
        } catch {
            throw .transport(what, String(describing: error))
        }
        let value = (object as? [String: Any])?["value"] ?? NSNull()
        guard (200..<300).contains(response.status) else {
            let error = value as? [String: Any]
            throw .command(
                what, status: response.status, error: error?["error"] as? String ?? "",
                message: error?["message"] as? String ?? "")
        }
        return value
    }
}

/// A WebDriver command that failed.
enum WebDriverError: Error, CustomStringConvertible {
    /// The driver answered with an error (`error` is the W3C error code, like "no such element").
    case command(String, status: Int, error: String, message: String)
    /// The answer was not the JSON the command returns.
    case malformedAnswer(String, String)
    /// The request did not reach the driver or its answer was not JSON.
    case transport(String, String)

    /// True when the command failed because no element matched.
    var isNoSuchElement: Bool {
        if case .command(_, _, "no such element", _) = self { return true }
        return false
    }

    var description: String {
        switch self {
        case .command(let what, let status, let error, let message):
            "\(what): HTTP \(status) \(error): \(message.prefix(500))"
        case .malformedAnswer(let what, let value): "\(what): unexpected answer \(value.prefix(500))"
        case .transport(let what, let reason): "\(what): \(reason)"
        }
    }
}
