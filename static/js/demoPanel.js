// The "Train the demo LoRA" panel of the job list: shown while GET /v1/demo says the demo is available, it explains
// the demo, lists the settings its job uses, and POSTs /v1/demo/job, then opens the new job.

import { randomKey, requestJSON } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { trainingOptions } from "./trainingOptions.js";

const labels = new Map(trainingOptions.map((option) => [option.name, option.label]));

/** One setting's value as text; a list (the sample prompts) one item a line. */
function settingValue(value) {
  if (Array.isArray(value)) return h("ul", { class: "demo-list" }, value.map((item) => h("li", {}, String(item))));
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** The panel; its element stays hidden until the offer is known to be available. */
export function demoPanel() {
  // One key per panel: a second click, or a retry after a lost answer, gives the same job.
  const key = randomKey();
  const description = h("p", { class: "demo-description" });
  const settings = h("dl", { class: "summary demo-settings" });
  const status = h("p", { class: "status demo-status", role: "status" });
  const button = h("button", { type: "button", id: "demo-start", onclick: () => start() }, "Train the demo LoRA");
  const element = h(
    "section",
    { id: "demo-panel", class: "demo-panel", "aria-labelledby": "demo-heading", hidden: true },
    h("h2", { id: "demo-heading" }, "Train the demo LoRA"),
    description,
    h("details", { class: "demo-details" }, h("summary", {}, "The settings it uses"), settings),
    h("div", { class: "actions" }, button),
    status,
  );

  function show(offer) {
    if (!offer.available || !offer.job) {
      element.hidden = true;
      return;
    }
    description.textContent = offer.description ?? "";
    const rows = [
      ["Base model", offer.model],
      ["Trigger word", offer.trigger_word],
      ...Object.entries(offer.job)
        .filter(([name]) => name !== "model" && name !== "dataset")
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, value]) => [labels.get(name) ?? name, value]),
    ];
    replaceChildren(
      settings,
      rows.map(([label, value]) => [h("dt", {}, label), h("dd", {}, settingValue(value))]),
    );
    element.hidden = false;
  }

  async function start() {
    button.disabled = true;
    status.textContent = "Queueing the demo job…";
    try {
      const job = await requestJSON("/v1/demo/job", { method: "POST", headers: { "Idempotency-Key": key } });
      location.hash = `#/jobs/${encodeURIComponent(job.id)}`;
    } catch (error) {
      status.textContent = `Could not start the demo: ${error.message}`;
      button.disabled = false;
    }
  }

  requestJSON("/v1/demo")
    .then(show)
    .catch(() => {
      // Without the offer there is nothing to show: the job list works as before.
      element.hidden = true;
    });

  return { element };
}
