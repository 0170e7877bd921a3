// The job page (#/jobs/<id>): state and progress, loss and learning-rate charts, samples, checkpoints, the log and
// the actions the state allows. Initial data from the REST endpoints, then live from the job's event stream.

import { ApiError, requestJSON, resourceURL, send, storedToken } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { EventStream } from "./eventStream.js";
import { bytes, duration, finalStates, number, time } from "./format.js";
import { gridPanel } from "./gridPanel.js";
import { LineChart } from "./lineChart.js";
import { progressBar, stateBadge } from "./widgets.js";

// While a job waits, others leaving the queue move it up; its event stream says nothing about that.
const queuedPollMilliseconds = 5000;

const checkpointColumns = ["Name", "Step", "Epoch", "Size", "SHA-256", "File"];

/** Which actions each state allows (api.md answers 409 otherwise). */
const actions = [
  { name: "cancel", label: "Cancel", states: ["queued", "preparing", "training"] },
  { name: "retry", label: "Retry", states: ["failed", "canceled"] },
  { name: "sample", label: "Sample now", states: ["training"] },
  { name: "save", label: "Save now", states: ["training"] },
  { name: "delete", label: "Delete", states: ["queued", "succeeded", "failed", "canceled"] },
];

/** The view of one job; `close()` stops its stream and timers. */
export function jobPageView(id) {
  const base = `/v1/jobs/${encodeURIComponent(id)}`;
  let job = null;
  let stream = null;
  let pollTimer = 0;
  let refreshTimer = 0;
  // What a preparing job is doing (loading the model, caching latents) until its first progress event.
  let phase = null;
  let progressFrame = 0;
  const samples = new Map();
  const checkpoints = new Map();
  const lossChart = new LineChart("Loss", "loss");
  const rateChart = new LineChart("Learning rate", "learning rate");
  const grids = gridPanel(id);

  const heading = h("h1", { id: "job-heading" }, `Job ${id.slice(0, 8)}`);
  const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const buttons = new Map(
    actions.map((action) => [
      action.name,
      h(
        "button",
        { type: "button", disabled: true, "data-action": action.name, onclick: () => perform(action.name) },
        action.label,
      ),
    ]),
  );
  const summary = h("dl", { class: "summary" });
  const progress = h("div", { class: "job-progress", "aria-live": "polite" });
  const sampleGroups = h("div", { class: "sample-groups" });
  const checkpointList = h("tbody");
  const log = h("ol", { class: "log", "aria-live": "polite" });
  const config = h("pre", { class: "config" });

  const element = h(
    "article",
    { "aria-labelledby": "job-heading" },
    h("p", {}, h("a", { href: "#/" }, "← All jobs")),
    heading,
    h("div", { class: "actions", role: "group", "aria-label": "Job actions" }, [...buttons.values()]),
    status,
    summary,
    h("section", { "aria-label": "Progress" }, progress),
    h("section", { class: "charts", "aria-label": "Charts" }, lossChart.element, rateChart.element),
    h(
      "section",
      { "aria-labelledby": "samples-heading" },
      h("h2", { id: "samples-heading" }, "Samples"),
      h("p", { class: "hint" }, "Each prompt's first image, at step 0, is the base model's (the LoRA starts at zero)."),
      sampleGroups,
    ),
    h(
      "section",
      { "aria-labelledby": "checkpoints-heading" },
      h("h2", { id: "checkpoints-heading" }, "Checkpoints"),
      h(
        "div",
        { class: "table-scroll" },
        h(
          "table",
          {},
          h("thead", {}, h("tr", {}, checkpointColumns.map((title) => h("th", { scope: "col" }, title)))),
          checkpointList,
        ),
      ),
    ),
    grids.element,
    h("section", { "aria-labelledby": "log-heading" }, h("h2", { id: "log-heading" }, "Log"), log),
    h("details", {}, h("summary", {}, "Configuration"), config),
  );

  function renderJob() {
    replaceChildren(heading, `Job ${id.slice(0, 8)} `, stateBadge(job.state));
    for (const action of actions) buttons.get(action.name).disabled = !action.states.includes(job.state);
    const rows = [
      ["Id", job.id],
      ["Model", job.model],
      ["Dataset", job.dataset],
      ["Priority", job.priority],
      ["Queue position", job.state === "queued" ? job.queue_position : null],
      ["Worker", job.worker],
      ["Created", time(job.created_at)],
      ["Started", job.started_at ? time(job.started_at) : null],
      ["Finished", job.finished_at ? time(job.finished_at) : null],
      ["Error", job.error],
    ].filter(([, value]) => value !== null && value !== undefined);
    replaceChildren(summary, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
    if (job.config) config.textContent = JSON.stringify(job.config, null, 2);
    renderProgress();
    grids.setJob(job);
    clearInterval(pollTimer);
    if (job.state === "queued") pollTimer = setInterval(refreshJob, queuedPollMilliseconds);
  }

  function renderProgress() {
    const current = job.progress;
    if (!current) {
      const preparing = job.state === "preparing" && phase;
      replaceChildren(progress, preparing ? h("p", { class: "phase" }, phaseText(phase)) : null);
      return;
    }
    const facts = [
      ["Step", `${current.step} / ${current.total_steps}`],
      ["Epoch", `${current.epoch} / ${current.total_epochs}`],
      ["Speed", current.steps_per_second ? `${number(current.steps_per_second, 3)} it/s` : "—"],
      ["ETA", finalStates.has(job.state) ? "—" : duration(current.eta_seconds)],
      ["Loss", number(current.loss)],
      ["Smoothed loss", number(current.smoothed_loss)],
    ];
    replaceChildren(
      progress,
      progressBar(current),
      h("dl", { class: "facts" }, facts.map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, value)))),
    );
  }

  async function refreshJob() {
    try {
      job = await requestJSON(base);
      renderJob();
    } catch (error) {
      showError(error);
    }
  }

  function scheduleRefreshJob() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refreshJob, 200);
  }

  function lastStep(chart, label) {
    return chart.series.get(label)?.points.at(-1)?.[0] ?? -Infinity;
  }

  function addProgress(point) {
    job.progress = point;
    if (point.step > lastStep(lossChart, "loss")) {
      lossChart.append("loss", "series-raw", [point.step, point.loss]);
      lossChart.append("smoothed", "series-smoothed", [point.step, point.smoothed_loss]);
      for (const [group, rate] of Object.entries(point.learning_rates ?? {})) {
        rateChart.append(group, `series-${seriesStyle(group)}`, [point.step, rate]);
      }
    }
    // A reconnecting stream replays many progress events at once: lay the figures out once per frame.
    if (!progressFrame) {
      progressFrame = requestAnimationFrame(() => {
        progressFrame = 0;
        renderProgress();
      });
    }
  }

  function showMetrics(metrics) {
    const pairs = (steps, values) => steps.map((step, index) => [step, values[index]]);
    lossChart.set("loss", "series-raw", pairs(metrics.steps, metrics.loss));
    lossChart.set("smoothed", "series-smoothed", pairs(metrics.steps, metrics.smoothed_loss));
    if (metrics.validation?.steps?.length) {
      lossChart.set("validation", "series-validation", pairs(metrics.validation.steps, metrics.validation.loss));
    }
    for (const [group, rates] of Object.entries(metrics.learning_rates ?? {})) {
      rateChart.set(group, `series-${seriesStyle(group)}`, pairs(metrics.steps, rates));
    }
  }

  function addSample(sample) {
    const key = `${sample.step}/${sample.prompt_index}`;
    if (samples.has(key)) return;
    // Each figure is made once, so that its image is fetched once however often the groups are laid out again.
    samples.set(key, { ...sample, figure: sampleFigure(sample) });
    renderSamples();
  }

  function renderSamples() {
    const groups = new Map();
    for (const sample of samples.values()) {
      if (!groups.has(sample.prompt_index)) groups.set(sample.prompt_index, []);
      groups.get(sample.prompt_index).push(sample);
    }
    const ordered = [...groups.entries()].sort(([a], [b]) => a - b);
    replaceChildren(
      sampleGroups,
      ordered.length === 0
        ? h("p", { class: "empty" }, "No samples yet.")
        : ordered.map(([index, group]) =>
            h(
              "section",
              { class: "sample-group", "aria-label": `Prompt ${index + 1}` },
              h("h3", {}, `Prompt ${index + 1}: `, h("q", {}, group[0].prompt)),
              h("ol", { class: "samples" }, group.sort((a, b) => a.step - b.step).map((sample) => sample.figure)),
            ),
          ),
    );
  }

  function addCheckpoint(checkpoint) {
    checkpoints.set(checkpoint.name, checkpoint);
    renderCheckpoints();
  }

  function renderCheckpoints() {
    const rows = [...checkpoints.values()].sort((a, b) => a.step - b.step || Number(a.is_final) - Number(b.is_final));
    replaceChildren(
      checkpointList,
      rows.length ? rows.map(checkpointRow) : h("tr", {}, h("td", { colspan: 6 }, "No checkpoints yet.")),
    );
    grids.setCheckpoints(rows);
  }

  function addLog(level, message) {
    log.append(h("li", { class: `log-${level}` }, h("span", { class: "log-level" }, level), " ", message));
  }

  function onEvent(type, data) {
    switch (type) {
      case "state":
        job.state = data.state;
        job.error = data.error ?? null;
        renderJob();
        scheduleRefreshJob();
        break;
      case "progress":
        addProgress(data);
        break;
      case "phase":
        phase = data;
        renderProgress();
        break;
      case "validation":
        if (data.step > lastStep(lossChart, "validation")) {
          lossChart.append("validation", "series-validation", [data.step, data.loss]);
        }
        break;
      case "sample":
        addSample(data);
        break;
      case "checkpoint":
        addCheckpoint(data);
        break;
      case "log":
        addLog(data.level, data.message);
        break;
      case "error":
        addLog("error", data.message);
        break;
    }
  }

  async function perform(name) {
    if (name === "delete" && !confirm(`Delete job ${id}? Its samples and checkpoints go too.`)) return;
    status.textContent = "";
    try {
      if (name === "delete") {
        await send(base, { method: "DELETE" });
        location.hash = "#/";
        return;
      }
      const answer = await requestJSON(`${base}/${name}`, { method: "POST" });
      if (name === "sample" || name === "save") {
        status.textContent = name === "sample" ? "A sample was requested." : "A save was requested.";
        return;
      }
      job = { ...job, ...answer };
      renderJob();
      // A retried job runs again: its stream, which ended with the final state, continues.
      if (name === "retry") stream.resume();
    } catch (error) {
      showError(error);
    }
  }

  function showError(error) {
    const missing = error instanceof ApiError && error.status === 404;
    status.textContent = missing ? "No such job." : `Failed: ${error.message}`;
  }

  async function load() {
    try {
      job = await requestJSON(base);
    } catch (error) {
      showError(error);
      return;
    }
    renderJob();
    const [metrics, sampleList, checkpointList] = await Promise.all([
      requestJSON(`${base}/metrics`).catch(() => null),
      requestJSON(`${base}/samples`).catch(() => ({ samples: [] })),
      requestJSON(`${base}/checkpoints`).catch(() => ({ checkpoints: [] })),
    ]);
    if (metrics) showMetrics(metrics);
    for (const sample of sampleList.samples) addSample(sample);
    renderSamples();
    for (const checkpoint of checkpointList.checkpoints) checkpoints.set(checkpoint.name, checkpoint);
    renderCheckpoints();
    grids.load();
    stream = new EventStream(
      `${base}/events`,
      {
        onEvent,
        // Back after a lost connection (a server restart): the stream resumes after its last id; the job's other
        // fields (queue position, times) are read again.
        onOpen: (isReconnect) => {
          if (isReconnect) refreshJob();
        },
        onFatal: showError,
      },
      () => !finalStates.has(job.state),
    ).start();
  }

  load();
  return {
    title: `Job ${id.slice(0, 8)}`,
    element,
    close() {
      stream?.close();
      grids.close();
      clearInterval(pollTimer);
      clearTimeout(refreshTimer);
      cancelAnimationFrame(progressFrame);
    },
  };
}

function phaseText(phase) {
  const names = { loading_model: "Loading the model", caching_latents: "Caching latents" };
  const name = names[phase.phase] ?? phase.phase;
  return phase.total ? `${name}: ${phase.done ?? 0} / ${phase.total}` : `${name}…`;
}

/** A stable colour class per learning-rate group name. */
function seriesStyle(group) {
  return ["unet", "text_encoder"].includes(group) ? group.replace("_", "-") : "other";
}

/** A sample's figure; the step-0 sample, rendered before any training, is labelled as the base model's image. */
function sampleFigure(sample) {
  const isBase = sample.step === 0;
  const image = h("img", {
    class: "sample-image",
    alt: isBase
      ? `Base model image of prompt ${sample.prompt_index + 1}`
      : `Sample of prompt ${sample.prompt_index + 1} at step ${sample.step}`,
    width: 256,
    height: 256,
    loading: "lazy",
  });
  resourceURL(sample.url).then(
    (url) => {
      image.src = url;
    },
    () => {
      image.alt = `${image.alt} (could not be loaded)`;
    },
  );
  const caption = isBase ? "base model" : `step ${sample.step}, epoch ${sample.epoch}`;
  return h("li", { class: isBase ? "base-model" : null }, h("figure", {}, image, h("figcaption", {}, caption)));
}

function checkpointRow(checkpoint) {
  const link = h(
    "a",
    { href: checkpoint.url, download: checkpoint.name, onclick: (event) => downloadWithToken(event, checkpoint) },
    "Download",
  );
  return h(
    "tr",
    {},
    h("th", { scope: "row" }, checkpoint.name, checkpoint.is_final ? h("span", { class: "final" }, " (final)") : null),
    h("td", {}, checkpoint.step),
    h("td", {}, checkpoint.epoch),
    h("td", {}, bytes(checkpoint.size)),
    h("td", {}, h("code", { title: checkpoint.sha256 }, checkpoint.sha256.slice(0, 12))),
    h("td", {}, link),
  );
}

/** A plain link cannot send the bearer token: with one stored, fetch the file and hand it to the browser. */
async function downloadWithToken(event, checkpoint) {
  if (!storedToken()) return;
  event.preventDefault();
  const url = await resourceURL(checkpoint.url);
  const anchor = h("a", { href: url, download: checkpoint.name });
  anchor.click();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
