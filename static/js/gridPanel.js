// The job page's checkpoint grids: each grid as one table per prompt (a row per checkpoint with its step, a column
// per LoRA weight, the images in the cells), kept live by the `grid` events of /v1/events, and the form that asks
// for a new grid of a finished job (POST /v1/jobs/<id>/grid).

import { ApiError, requestJSON, resourceURL, send } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { EventStream } from "./eventStream.js";
import { showFieldErrors } from "./fieldErrors.js";
import { finalStates } from "./format.js";

const defaultWeights = "0.4, 0.6, 0.8, 1.0, 1.2";
// Coalesces the refreshes of a grid that renders several images a second.
const refreshDelayMilliseconds = 250;

/** The grids section of job `id`; `close()` stops its stream and timers. */
export function gridPanel(id) {
  const base = `/v1/jobs/${encodeURIComponent(id)}`;
  const grids = new Map();
  // Each image element is made once, so that laying the tables out again does not fetch it again.
  const images = new Map();
  const refreshTimers = new Map();
  let job = null;
  let checkpoints = [];
  let stream = null;

  const status = h("p", { class: "status grid-status", role: "status", "aria-live": "polite" });
  const list = h("div", { class: "grid-list" });
  const weightsInput = h("input", { id: "grid-weights", name: "weights", value: defaultWeights, autocomplete: "off" });
  const promptsInput = h("textarea", { id: "grid-prompts", name: "prompts", rows: 3 });
  const checkpointChoices = h("div", { class: "grid-checkpoints" });
  const formErrors = h("p", { class: "form-errors", role: "alert" });
  const form = h(
    "form",
    { id: "grid-form", class: "grid-form", hidden: true, onsubmit: submit },
    h("h3", {}, "Render a grid"),
    h(
      "div",
      { class: "options" },
      field("grid-weights", "Weights", weightsInput, "LoRA multipliers from -4 to 4, separated by commas."),
      field(
        "grid-prompts",
        "Prompts",
        promptsInput,
        "One kohya prompt line each (--w, --h, --s, --d, --l, --n); empty: the job's sample prompts.",
      ),
      h(
        "fieldset",
        { class: "field", "data-field": "grid-checkpoints" },
        h("legend", {}, "Checkpoints"),
        h("p", { class: "hint" }, "None ticked: all of them."),
        checkpointChoices,
        h("p", { class: "field-error" }),
      ),
    ),
    formErrors,
    h("button", { id: "grid-submit", type: "submit" }, "Render grid"),
  );
  const element = h(
    "section",
    { id: "grids", "aria-labelledby": "grids-heading" },
    h("h2", { id: "grids-heading" }, "Checkpoint grids"),
    h(
      "p",
      { class: "hint" },
      "Each prompt through each checkpoint at each LoRA weight, to pick the best checkpoint and weight.",
    ),
    status,
    list,
    form,
  );

  function render() {
    const ordered = [...grids.values()].sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
    replaceChildren(
      list,
      ordered.length
        ? ordered.map(gridView)
        : h("p", { class: "empty" }, "No grids yet: one is rendered when the job succeeds."),
    );
  }

  function gridView(grid) {
    const cells = new Map(grid.cells.map((cell) => [`${cell.prompt_index}/${cell.checkpoint}/${cell.weight}`, cell]));
    const steps = new Map(checkpoints.map((checkpoint) => [checkpoint.name, checkpoint.step]));
    const rendering = grid.state === "queued" || grid.state === "rendering";
    return h(
      "section",
      {
        class: "grid-view",
        "data-grid-id": grid.id,
        "data-state": grid.state,
        "aria-label": `Grid ${grid.id.slice(0, 8)}`,
      },
      h(
        "div",
        { class: "section-head" },
        h(
          "h3",
          {},
          `Grid ${grid.id.slice(0, 8)} `,
          h("span", { class: `state state-${grid.state === "rendering" ? "training" : grid.state}` }, grid.state),
          h("span", { class: "grid-progress" }, ` ${grid.progress.done} / ${grid.progress.total} images`),
        ),
        h(
          "button",
          {
            type: "button",
            "data-action": "delete",
            disabled: grid.state === "rendering",
            onclick: () => remove(grid),
          },
          "Delete grid",
        ),
      ),
      grid.error ? h("p", { class: "job-error" }, grid.error) : null,
      grid.prompts.map((prompt, promptIndex) =>
        h(
          "div",
          { class: "table-scroll" },
          h(
            "table",
            { class: "grid-table", "data-prompt-index": promptIndex },
            h(
              "caption",
              {},
              `Prompt ${promptIndex + 1}: `,
              h("q", {}, prompt),
              isComplete(grid, promptIndex) ? [" ", mosaicLink(grid, promptIndex)] : null,
            ),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "col" }, "Checkpoint \\ weight"),
                grid.weights.map((weight) => h("th", { scope: "col", class: "grid-weight" }, String(weight))),
              ),
            ),
            h(
              "tbody",
              {},
              grid.checkpoints.map((name) =>
                h(
                  "tr",
                  {},
                  h(
                    "th",
                    { scope: "row" },
                    name,
                    steps.has(name) ? h("span", { class: "grid-step" }, ` step ${steps.get(name)}`) : null,
                  ),
                  grid.weights.map((weight) => {
                    const cell = cells.get(`${promptIndex}/${name}/${weight}`);
                    return h(
                      "td",
                      {},
                      cell
                        ? cellImage(cell, `Prompt ${promptIndex + 1}, ${name} at weight ${weight}`)
                        : h("span", { class: "grid-pending" }, rendering ? "…" : "—"),
                    );
                  }),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  function cellImage(cell, alt) {
    if (!images.has(cell.url)) {
      const image = h("img", { class: "grid-image", alt, width: 128, height: 128, loading: "lazy" });
      resourceURL(cell.url).then(
        (url) => {
          image.src = url;
        },
        () => {
          image.alt = `${alt} (could not be loaded)`;
        },
      );
      images.set(cell.url, image);
    }
    return images.get(cell.url);
  }

  function mosaicLink(grid, promptIndex) {
    const path = `${base}/grids/${grid.id}/prompts/${promptIndex}.png`;
    return h(
      "a",
      {
        href: path,
        class: "grid-mosaic",
        onclick: async (event) => {
          event.preventDefault();
          open(await resourceURL(path), "_blank", "noopener");
        },
      },
      "one image",
    );
  }

  function renderForm() {
    form.hidden = !(job && finalStates.has(job.state) && checkpoints.length > 0);
    const ticked = new Set([...checkpointChoices.querySelectorAll("input:checked")].map((input) => input.value));
    replaceChildren(
      checkpointChoices,
      checkpoints.map((checkpoint) =>
        h(
          "label",
          { class: "grid-checkpoint" },
          h("input", {
            type: "checkbox",
            name: "grid-checkpoint",
            value: checkpoint.name,
            checked: ticked.has(checkpoint.name),
          }),
          ` ${checkpoint.name} (step ${checkpoint.step})`,
        ),
      ),
    );
    const prompts = job?.config?.sample_prompts;
    promptsInput.placeholder = Array.isArray(prompts) ? prompts.join("\n") : "";
  }

  async function submit(event) {
    event.preventDefault();
    const body = {};
    const weights = weightsInput.value.split(/[\s,]+/).filter((part) => part !== "");
    // A part that is not a number goes as written, for the server to name it.
    if (weights.length) body.weights = weights.map((part) => (Number.isFinite(Number(part)) ? Number(part) : part));
    const prompts = promptsInput.value.split(/\r?\n/).filter((line) => line.trim() !== "");
    if (prompts.length) body.prompts = prompts;
    const ticked = [...checkpointChoices.querySelectorAll("input:checked")].map((input) => input.value);
    if (ticked.length) body.checkpoints = ticked;
    showFieldErrors(form, [], "grid-");
    formErrors.textContent = "";
    try {
      const grid = await requestJSON(`${base}/grid`, { method: "POST", body });
      grids.set(grid.id, grid);
      render();
      status.textContent = "The grid is queued.";
    } catch (error) {
      const errors = error instanceof ApiError ? error.fieldErrors : [];
      const unmatched = showFieldErrors(form, errors, "grid-");
      formErrors.textContent = errors.length
        ? unmatched.map((e) => `${e.field}: ${e.message}`).join(" ")
        : `Failed: ${error.message}`;
    }
  }

  async function remove(grid) {
    if (!confirm(`Delete grid ${grid.id.slice(0, 8)} and its images?`)) return;
    try {
      await send(`${base}/grids/${grid.id}`, { method: "DELETE" });
      grids.delete(grid.id);
      render();
    } catch (error) {
      status.textContent = `Failed: ${error.message}`;
    }
  }

  function scheduleRefresh(gridID) {
    clearTimeout(refreshTimers.get(gridID));
    refreshTimers.set(
      gridID,
      setTimeout(async () => {
        refreshTimers.delete(gridID);
        try {
          grids.set(gridID, await requestJSON(`${base}/grids/${gridID}`));
        } catch (error) {
          if (!(error instanceof ApiError && error.status === 404)) return;
          grids.delete(gridID);
        }
        render();
      }, refreshDelayMilliseconds),
    );
  }

  async function loadAll() {
    try {
      const answer = await requestJSON(`${base}/grids`);
      grids.clear();
      for (const grid of answer.grids) grids.set(grid.id, grid);
      render();
    } catch (error) {
      status.textContent = `Could not load the grids: ${error.message}`;
    }
  }

  return {
    element,
    /** Starts: the grids now, then their changes. */
    load() {
      loadAll();
      stream = new EventStream("/v1/events", {
        onEvent: (type, data) => {
          if (type === "grid" && data.job_id === id) scheduleRefresh(data.grid_id);
          if (type === "grid_deleted" && data.job_id === id && grids.delete(data.grid_id)) render();
        },
        onOpen: (isReconnect) => {
          if (isReconnect) loadAll();
        },
      }).start();
    },
    /** The job as it is now: the form is for finished jobs. */
    setJob(current) {
      job = current;
      renderForm();
    },
    /** The job's checkpoints (name, step), for the row headers and the form. */
    setCheckpoints(list) {
      checkpoints = [...list].sort((a, b) => a.step - b.step || Number(a.is_final) - Number(b.is_final));
      renderForm();
      render();
    },
    close() {
      stream?.close();
      for (const timer of refreshTimers.values()) clearTimeout(timer);
    },
  };
}

/** Whether every image of the prompt is rendered, so that its mosaic can be made. */
function isComplete(grid, promptIndex) {
  const count = grid.cells.filter((cell) => cell.prompt_index === promptIndex).length;
  return count === grid.checkpoints.length * grid.weights.length;
}

function field(name, label, control, hint) {
  return h(
    "div",
    { class: "field", "data-field": name },
    h("label", { for: name }, label),
    control,
    h("p", { class: "hint" }, hint),
    h("p", { class: "field-error" }),
  );
}
