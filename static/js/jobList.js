// The job list (#/): newest first, kept live by /v1/events; queue positions and progress bars; above it, the demo
// panel while the server offers the demo.

import { ApiError, requestJSON } from "./api.js";
import { demoPanel } from "./demoPanel.js";
import { h, replaceChildren } from "./dom.js";
import { EventStream } from "./eventStream.js";
import { progressFraction, time } from "./format.js";
import { progressBar, stateBadge } from "./widgets.js";

// Coalesces the refreshes that a burst of queue changes asks for.
const refreshDelayMilliseconds = 300;

/** The job list view; `close()` stops its event stream. */
export function jobListView() {
  const jobs = new Map();
  let nextCursor = null;
  let refreshTimer = 0;
  const list = h("ol", { class: "job-list", "aria-live": "polite", "aria-busy": "true" });
  const status = h("p", { class: "status", role: "status" });
  const more = h("button", { type: "button", hidden: true, onclick: () => loadOlder() }, "Show older jobs");
  const element = h(
    "section",
    { "aria-labelledby": "jobs-heading" },
    h(
      "div",
      { class: "section-head" },
      h("h1", { id: "jobs-heading" }, "Jobs"),
      h("a", { class: "button", href: "#/new" }, "New job"),
    ),
    demoPanel().element,
    status,
    list,
    more,
  );

  function sorted() {
    return [...jobs.values()].sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
  }

  function render() {
    list.setAttribute("aria-busy", "false");
    const items = sorted().map(jobItem);
    replaceChildren(list, items.length ? items : h("li", { class: "empty" }, "No jobs yet."));
    more.hidden = !nextCursor;
  }

  // Events that arrive while a refresh is under way may be newer than its snapshot: they are applied again on it.
  let eventsDuringRefresh = null;

  async function refresh() {
    eventsDuringRefresh ??= [];
    try {
      const page = await requestJSON("/v1/jobs");
      jobs.clear();
      for (const job of page.jobs) jobs.set(job.id, job);
      for (const [type, data] of eventsDuringRefresh) apply(type, data);
      nextCursor = page.next_cursor;
      status.textContent = "";
      render();
    } catch (error) {
      status.textContent = `Could not load the jobs: ${error.message}`;
    } finally {
      eventsDuringRefresh = null;
    }
  }

  /** Applies a `job` or `deleted` event to the list; true when the queue changed, which moves queue positions. */
  function apply(type, data) {
    const previous = jobs.get(data.id);
    if (type === "job") {
      jobs.set(data.id, data);
      return (previous?.state === "queued") !== (data.state === "queued");
    }
    if (type === "deleted") {
      jobs.delete(data.id);
      return previous?.state === "queued";
    }
    return false;
  }

  async function loadOlder() {
    if (!nextCursor) return;
    try {
      const page = await requestJSON(`/v1/jobs?cursor=${encodeURIComponent(nextCursor)}`);
      for (const job of page.jobs) jobs.set(job.id, job);
      nextCursor = page.next_cursor;
      render();
    } catch (error) {
      status.textContent = `Could not load older jobs: ${error.message}`;
    }
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, refreshDelayMilliseconds);
  }

  const stream = new EventStream("/v1/events", {
    // The list is (re)loaded once the stream is up, so no change falls between the two; after a server restart
    // this also picks up what changed while it was away.
    onOpen: () => refresh(),
    onEvent(type, data) {
      eventsDuringRefresh?.push([type, data]);
      // The server's list has the new positions of the jobs still waiting.
      if (apply(type, data)) scheduleRefresh();
      render();
    },
    onFatal: (error) => {
      status.textContent = `Live updates stopped: ${error instanceof ApiError ? error.message : error}`;
    },
  }).start();

  return {
    title: "Jobs",
    element,
    close() {
      clearTimeout(refreshTimer);
      stream.close();
    },
  };
}

function jobItem(job) {
  const fraction = progressFraction(job.progress);
  return h(
    "li",
    { class: `job job-${job.state}`, "data-job-id": job.id },
    h(
      "a",
      { href: `#/jobs/${encodeURIComponent(job.id)}`, class: "job-link" },
      h("span", { class: "job-id" }, job.id.slice(0, 8)),
      stateBadge(job.state),
      job.state === "queued" && job.queue_position
        ? h("span", { class: "queue-position" }, `#${job.queue_position} in queue`)
        : null,
    ),
    h("span", { class: "job-meta" }, `model ${job.model} · created ${time(job.created_at)}`),
    fraction === null ? null : progressBar(job.progress),
    job.error ? h("p", { class: "job-error" }, job.error) : null,
  );
}
