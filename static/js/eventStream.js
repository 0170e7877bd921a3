// Server-sent events read with fetch. EventSource cannot send an Authorization header, so with a token it could not
// reach /v1/*; this reader does what EventSource does otherwise: it parses the stream as the HTML standard says,
// reconnects after an error or a server restart, and sends `Last-Event-ID` so that nothing is missed or repeated.

import { ApiError, send } from "./api.js";

const initialRetryMilliseconds = 1000;
const maximumRetryMilliseconds = 15000;

/** One connection to an SSE endpoint that keeps reconnecting until `close()`. */
export class EventStream {
  /**
   * @param {string} path The endpoint.
   * @param {object} handlers `onEvent(type, data, id)` with `data` parsed as JSON; `onOpen(isReconnect)` when a
   *   connection is up; `onEnd()` when the server ended the stream and `shouldReconnect()` said no; `onFatal(error)`
   *   for an answer that retrying cannot fix (404, 403).
   * @param {() => boolean} shouldReconnect Asked after the stream ends; the default reconnects always.
   */
  constructor(path, handlers, shouldReconnect = () => true) {
    this.path = path;
    this.handlers = handlers;
    this.shouldReconnect = shouldReconnect;
    this.lastEventId = "";
    this.retryMilliseconds = initialRetryMilliseconds;
    this.connections = 0;
    this.closed = false;
    this.ended = false;
    this.abort = null;
    this.timer = null;
  }

  start() {
    this.connect();
    return this;
  }

  /** Connects again after the server ended the stream (a retried job streams on), continuing after the last id. */
  resume() {
    if (!this.ended || this.closed) return;
    this.ended = false;
    this.connect();
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.abort?.abort();
  }

  async connect() {
    if (this.closed) return;
    const abort = new AbortController();
    this.abort = abort;
    try {
      const headers = { Accept: "text/event-stream", "Cache-Control": "no-cache" };
      if (this.lastEventId) headers["Last-Event-ID"] = this.lastEventId;
      const response = await send(this.path, { headers, signal: abort.signal, cache: "no-store" });
      this.connections += 1;
      this.retryMilliseconds = initialRetryMilliseconds;
      this.handlers.onOpen?.(this.connections > 1);
      await this.read(response.body);
      if (this.closed) return;
      if (!this.shouldReconnect()) {
        this.ended = true;
        this.handlers.onEnd?.();
        return;
      }
    } catch (error) {
      if (this.closed) return;
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
        this.handlers.onFatal?.(error);
        return;
      }
    }
    this.timer = setTimeout(() => this.connect(), this.retryMilliseconds);
    this.retryMilliseconds = Math.min(this.retryMilliseconds * 2, maximumRetryMilliseconds);
  }

  async read(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let event = { type: "", data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      // A lone "\r" at the end may be the first half of "\r\n": keep it until more arrives.
      const lines = buffer.split(/\r\n|\r(?!$)|\n/);
      buffer = lines.pop();
      for (const line of lines) event = this.line(line, event);
    }
  }

  /** Handles one line of the stream and returns the event being assembled. */
  line(line, event) {
    if (line === "") {
      if (event.data.length > 0) this.dispatch(event.type || "message", event.data.join("\n"));
      return { type: "", data: [] };
    }
    if (line.startsWith(":")) return event;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event.type = value;
    else if (field === "data") event.data.push(value);
    else if (field === "id" && !value.includes("\0")) this.lastEventId = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.retryMilliseconds = Number(value);
    return event;
  }

  dispatch(type, text) {
    let data;
    try {
      data = JSON.parse(text);
    } catch {
      console.warn(`lorad: an event "${type}" whose data is not JSON was ignored`);
      return;
    }
    this.handlers.onEvent(type, data, this.lastEventId);
  }
}
