import Foundation
import Testing

/// The page in headless Chromium, driven over WebDriver against the real `lorad serve` as CI runs it: it loads
/// without script errors, uploads a dataset through the file input, starts a job on the tiny fixture model and shows
/// its progress and a sample image.
///
/// Skipped only where `chromedriver` is missing and `CI` is unset; in CI a missing driver fails the test.
@Suite(
    .serialized,
    .enabled(
        if: ChromeDriver.executable != nil || ProcessInfo.processInfo.environment["CI"] != nil,
        "chromedriver is not installed (apt-get install chromium chromium-driver)"))
final class BrowserTests {
    static let repository = LoradProcess.fixtures.deletingLastPathComponent().deletingLastPathComponent()
    static let stripes = LoradProcess.fixtures.appendingPathComponent("datasets/stripes/train/10_zkz stripes")

    let scratch: URL
    private var processes: [BackgroundProcess] = []

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    deinit {
        for process in processes.reversed() { process.stop() }
        try? FileManager.default.removeItem(at: scratch)
    }

    @Test func pageLoadsWithoutScriptErrorsAndShowsTheFormDefaults() async throws {
        let (server, base) = try await startServer()
        try await withBrowser { browser in
            try await browser.navigate(to: try #require(URL(string: base + "/#/")))
            let list = try await waitFor(
                "the empty job list", in: browser, server,
                script: "return document.querySelector('.job-list .empty')?.textContent ?? null")
            #expect(list as? String == "No jobs yet.")

            try await browser.navigate(to: try #require(URL(string: base + "/#/new")))
            let model = try await waitFor(
                "the fixture models in the model list", in: browser, server,
                script:
                    "return [...document.querySelectorAll('#field-model option')].find(o => o.value === 'sd15-tiny')?.value ?? null"
            )
            #expect(model as? String == "sd15-tiny")
            // The editor holds the form as the request body, with sd-scripts' defaults.
            let editorText = try await browser.execute("return document.querySelector('#json-editor').value")
            let body = try JSONSerialization.jsonObject(with: Data(try #require(editorText as? String).utf8))
            let options = try #require(body as? [String: Any])
            #expect(options["network_dim"] as? Int == 4)
            #expect(options["max_train_steps"] as? Int == 1600)
            #expect(options["optimizer_type"] as? String == "AdamW")

            // An edit in the editor (under its disclosure) reaches the form field.
            try await browser.click(try await browser.element("details.json summary"))
            let editor = try await browser.element("#json-editor")
            try await browser.clear(editor)
            try await browser.sendKeys(#"{"network_dim": 16, "seed": 7}"#, to: editor)
            let dim = try await browser.execute("return document.querySelector('#field-network_dim').value")
            #expect(dim as? String == "16")
            try await expectNoScriptErrors(browser)
        }
    }

    @Test(.timeLimit(.minutes(10))) func uploadsADatasetAndTrainsUntilASampleAppears() async throws {
        let (server, base) = try await startServer()
        try await withBrowser { browser in
            try await browser.navigate(to: try #require(URL(string: base + "/#/new")))
            _ = try await waitFor(
                "the fixture models in the model list", in: browser, server,
                script: "return document.querySelector('#field-model option[value=\"sd15-tiny\"]') ? true : null")

            // Upload four images and their captions through the file input, as a person choosing files would.
            let stems = ["stripes_00", "stripes_01", "stripes_02", "stripes_03"]
            let paths = stems.flatMap { stem in
                ["png", "txt"].map { Self.stripes.appendingPathComponent("\(stem).\($0)").path }
            }
            try await browser.sendKeys(paths.joined(separator: "\n"), to: try await browser.element("#dataset-files"))
            try await type("stripes", into: "#dataset-name", browser)
            try await type("1", into: "#dataset-repeats", browser)
            try await type("zkz stripes", into: "#dataset-class-tokens", browser)
            try await browser.click(try await browser.element("#dataset-upload"))
            let dataset = try await waitFor(
                "the uploaded dataset selected", in: browser, server,
                script: "return document.querySelector('#field-dataset').value || null")
            #expect((dataset as? String)?.count == 36, "not a dataset id: \(dataset)")

            try await browser.click(try await browser.element("#field-model option[value=\"sd15-tiny\"]"))
            try await type("64", into: "#field-resolution", browser)
            try await type("4", into: "#field-max_train_steps", browser)
            try await type("2", into: "#field-sample_every_n_steps", browser)
            // A small, short sample: sd-scripts' default (512 pixels, 30 steps) takes minutes on a CPU.
            try await type("zkz stripes --w 64 --h 64 --s 4 --d 1", into: "#field-sample_prompts", browser)

            // A value the server refuses comes back as a message next to its field, and no job starts.
            try await type("0", into: "#field-network_dim", browser)
            try await browser.click(try await browser.element("#submit-job"))
            _ = try await waitFor(
                "the field error of network_dim", in: browser, server,
                script: "return document.querySelector('#error-network_dim').textContent || null")
            #expect(try await browser.execute("return location.hash") as? String == "#/new")

            try await type("4", into: "#field-network_dim", browser)
            try await browser.click(try await browser.element("#submit-job"))
            let outcome = try await waitOnJobPage(
                "progress and a loaded sample image", in: browser, server, timeout: .seconds(600),
                until: """
                    const progress = document.querySelector('.job-progress progress');
                    const sample = [...document.querySelectorAll('img.sample-image')]
                      .find((image) => image.complete && image.naturalWidth > 0);
                    return progress && sample ? 'shown' : null;
                    """)
            #expect(outcome as? String == "shown")
            try await expectNoScriptErrors(browser)
        }
    }

    /// The demo as a newcomer runs it from the page: the job list's demo panel queues the demo job, whose page shows
    /// the base model's picture first among the samples and, once the job has succeeded, its checkpoint × weight
    /// grid with every cell rendered.
    @Test(.timeLimit(.minutes(30))) func theDemoJobRunsFromThePageUntilItsGridIsShown() async throws {
        let (server, base) = try await startServer()
        try await withBrowser { browser in
            try await browser.navigate(to: try #require(URL(string: base + "/#/")))
            _ = try await waitFor(
                "the demo panel", in: browser, server,
                script: "return document.querySelector('#demo-panel:not([hidden]) #demo-start') ? true : null")
            try await browser.click(try await browser.element("#demo-start"))
            let outcome = try await waitOnJobPage(
                "the finished demo job and its grid", in: browser, server, timeout: .seconds(1500),
                until: """
                    const baseModel = document.querySelector('li.base-model img.sample-image');
                    const grid = document.querySelector('.grid-view[data-state="succeeded"]');
                    if (state !== 'succeeded' || !baseModel?.complete || !grid) return null;
                    const cells = grid.querySelectorAll('td');
                    const images = grid.querySelectorAll('td img.grid-image');
                    return [cells.length, images.length];
                    """)
            let counts = try #require(outcome as? [Int], "\(outcome)")
            #expect(
                counts.count == 2 && counts[0] > 0 && counts[0] == counts[1], "grid cells and their images: \(counts)")
            try await expectNoScriptErrors(browser)
        }
    }

    /// Starts `lorad serve` on a free port with the fixture models and the page; returns it and its base URL.
    private func startServer() async throws -> (BackgroundProcess, String) {
        let server = try BackgroundProcess(
            name: "serve", executable: try LoradProcess.executable(),
            arguments: [
                "serve", "--port", "0", "--data-dir", scratch.appendingPathComponent("data").path,
                "--models-dir", LoradProcess.fixtures.appendingPathComponent("models").path,
                "--static-dir", Self.repository.appendingPathComponent("static").path,
            ],
            environment: ProcessInfo.processInfo.environment.filter { $0.key != "LORAD_TOKEN" })
        processes.append(server)
        let address = try await server.waitForLine(startingWith: "listening on ", timeout: .seconds(300))
        return (server, try #require(address, "lorad serve printed no address:\n\(server.output)"))
    }

    /// Runs `body` with a headless Chromium session, which is closed afterwards whatever happens.
    private func withBrowser(_ body: (WebDriverSession) async throws -> Void) async throws {
        let executable = try #require(ChromeDriver.executable, "chromedriver is not on PATH")
        let driver = try BackgroundProcess(name: "chromedriver", executable: executable, arguments: ["--port=0"])
        processes.append(driver)
        let announced = try await driver.waitForLine(
            startingWith: "ChromeDriver was started successfully on port ", timeout: .seconds(300))
        let port = try #require(
            announced.flatMap { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: "."))) },
            "chromedriver did not start:\n\(driver.output)")
        let session = try await WebDriverSession.headlessChromium(driverPort: port)
        do {
            try await body(session)
        } catch {
            try? await session.delete()
            throw error
        }
        try await session.delete()
    }

    /// Replaces the text of the field `selector` by typing `text`, so the page sees input events as from a person.
    private func type(_ text: String, into selector: String, _ browser: WebDriverSession) async throws {
        let field = try await browser.element(selector)
        try await browser.clear(field)
        try await browser.sendKeys(text, to: field)
    }

    /// Polls `script` (a function body) until it returns something other than null; fails with the page's text and
    /// the server's output after `timeout`.
    private func waitFor(
        _ what: String, in browser: WebDriverSession, _ server: BackgroundProcess, timeout: Duration = .seconds(120),
        script source: String
    ) async throws -> Any {
        let deadline = ContinuousClock.now + timeout
        while true {
            let value = try await browser.execute(source)
            if !(value is NSNull) { return value }
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        let page = try? await browser.execute("return document.querySelector('main').innerText")
        throw BrowserTestTimeout(
            description: "timed out waiting for \(what); page:\n\(page ?? "")\nserver:\n\(server.output.suffix(4000))")
    }

    /// Waits for the job page the browser is sent to, then until `condition` (the end of a function body, after
    /// `state`, the job's state on the page, is set) returns something other than null. A job that failed or was
    /// canceled ends the wait with the page's text.
    private func waitOnJobPage(
        _ what: String, in browser: WebDriverSession, _ server: BackgroundProcess, timeout: Duration,
        until condition: String
    ) async throws -> Any {
        _ = try await waitFor(
            "the job page", in: browser, server, script: "return location.hash.startsWith('#/jobs/') || null")
        return try await waitFor(
            what, in: browser, server, timeout: timeout,
            script: """
                const state = document.querySelector('h1 .state')?.textContent;
                if (state === 'failed' || state === 'canceled') {
                  return `job ${state}: ${document.querySelector('main').innerText}`;
                }
                \(condition)
                """)
    }

    /// Fails on any console error or uncaught exception the page logged (failed requests are the network's, and
    /// the refused job above is one on purpose).
    private func expectNoScriptErrors(_ browser: WebDriverSession) async throws {
        let errors = try await browser.browserLog().filter { $0.level == "SEVERE" && $0.source != "network" }
        #expect(errors.isEmpty, "script errors: \(errors.map(\.message))")
    }
}

/// A condition the browser test waited for did not come true in time; the description holds what the page showed.
struct BrowserTestTimeout: Error, CustomStringConvertible {
    let description: String
}
