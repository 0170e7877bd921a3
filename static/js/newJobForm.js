// The new-job form (#/new): dataset, base model, the main options, and a JSON editor holding the whole request body,
// kept in step with the form both ways. POST /v1/jobs; a 422's field errors appear next to their fields.

import { randomKey, requestJSON } from "./api.js";
import { datasetChooser } from "./datasetUpload.js";
import { h, replaceChildren } from "./dom.js";
import { showFieldErrors } from "./fieldErrors.js";
import { optionText, optionValue, trainingOptions } from "./trainingOptions.js";

function optionControl(option) {
  const id = `field-${option.name}`;
  const described = option.hint ? `hint-${option.name} error-${option.name}` : `error-${option.name}`;
  const common = { id, name: option.name, "aria-describedby": described };
  if (option.kind === "choice") {
    return h("select", common, option.choices.map((choice) => h("option", { value: choice }, choice)));
  }
  if (option.kind === "lines") return h("textarea", { ...common, rows: 3 });
  const numeric = option.kind === "integer" || option.kind === "number";
  return h("input", {
    ...common,
    type: numeric ? "number" : "text",
    min: option.min,
    step: option.kind === "integer" ? 1 : option.step,
    inputmode: numeric ? "decimal" : null,
  });
}

/** The form view. */
export function newJobView() {
  // Keys of the JSON body that no form control shows (typed into the editor); they survive form edits.
  let extras = {};
  let idempotency = { body: null, key: null };
  const controls = new Map(trainingOptions.map((option) => [option.name, optionControl(option)]));
  const modelSelect = h("select", {
    id: "field-model",
    name: "model",
    required: true,
    "aria-describedby": "error-model",
  });
  const priorityInput = h("input", {
    id: "field-priority",
    name: "priority",
    type: "number",
    step: 1,
    "aria-describedby": "hint-priority error-priority",
  });
  const dataset = datasetChooser(() => syncEditor());
  const editor = h("textarea", { id: "json-editor", rows: 16, spellcheck: "false", "aria-describedby": "json-error" });
  const editorError = h("p", { class: "field-error", id: "json-error", role: "alert" });
  const generalErrors = h("ul", { class: "form-errors", role: "alert" });
  const submitButton = h("button", { type: "submit", id: "submit-job" }, "Start training");

  const form = h(
    "form",
    { class: "new-job", novalidate: true, onsubmit: (event) => submit(event) },
    h("h1", {}, "New job"),
    dataset.element,
    h(
      "fieldset",
      {},
      h("legend", {}, "Base model"),
      field("model", "Model", modelSelect),
      field("priority", "Priority", priorityInput, "higher runs first; empty: 0"),
    ),
    h(
      "fieldset",
      { class: "options" },
      h("legend", {}, "Training options"),
      trainingOptions.map((option) => field(option.name, option.label, controls.get(option.name), option.hint)),
    ),
    h(
      "details",
      { class: "json" },
      h("summary", {}, "Advanced: the request as JSON"),
      h("label", { for: "json-editor" }, "Request body (every lorad train option, kohya names)"),
      editor,
      editorError,
    ),
    generalErrors,
    submitButton,
  );

  /** The body the form describes, with the editor-only keys kept. */
  function formBody() {
    const body = { ...extras, model: modelSelect.value || undefined, dataset: dataset.select.value || undefined };
    const priority = priorityInput.value.trim();
    if (priority) body.priority = Number.isFinite(Number(priority)) ? Number(priority) : priority;
    for (const option of trainingOptions) body[option.name] = optionValue(option, controls.get(option.name).value);
    return JSON.parse(JSON.stringify(body));
  }

  function syncEditor() {
    editor.value = JSON.stringify(formBody(), null, 2);
    editorError.textContent = "";
  }

  /** Parses the editor's text; shows why when it is not a JSON object and returns null. */
  function editorBody() {
    let body;
    try {
      body = JSON.parse(editor.value);
    } catch (error) {
      editorError.textContent = `Not valid JSON: ${error.message}`;
      return null;
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      editorError.textContent = "The request body must be a JSON object.";
      return null;
    }
    editorError.textContent = "";
    return body;
  }

  function syncForm() {
    const body = editorBody();
    if (!body) return;
    const shown = new Set(["model", "dataset", "priority", ...controls.keys()]);
    extras = Object.fromEntries(Object.entries(body).filter(([key]) => !shown.has(key)));
    setSelect(modelSelect, body.model);
    setSelect(dataset.select, body.dataset);
    priorityInput.value = body.priority ?? "";
    for (const option of trainingOptions) controls.get(option.name).value = optionText(option, body[option.name]);
  }

  async function submit(event) {
    event.preventDefault();
    const body = editorBody();
    if (!body) {
      form.querySelector("details.json").open = true;
      editor.focus();
      return;
    }
    const text = JSON.stringify(body);
    // The same body keeps its key, so a resubmission after a lost answer returns the job created the first time.
    if (idempotency.body !== text) idempotency = { body: text, key: randomKey() };
    submitButton.disabled = true;
    replaceChildren(generalErrors);
    try {
      const headers = { "Idempotency-Key": idempotency.key };
      const job = await requestJSON("/v1/jobs", { method: "POST", body, headers });
      location.hash = `#/jobs/${encodeURIComponent(job.id)}`;
    } catch (error) {
      const unmatched = showFieldErrors(form, error.fieldErrors ?? []);
      const messages = unmatched.map((fieldError) => `${fieldError.field}: ${fieldError.message}`);
      if (!error.fieldErrors?.length) messages.unshift(error.message);
      replaceChildren(generalErrors, messages.map((message) => h("li", {}, message)));
      (form.querySelector("[aria-invalid=true]") ?? generalErrors).scrollIntoView({ block: "center" });
    } finally {
      submitButton.disabled = false;
    }
  }

  async function loadModels() {
    try {
      const { models } = await requestJSON("/v1/models");
      replaceChildren(
        modelSelect,
        h("option", { value: "" }, "— choose a model —"),
        models.map((model) =>
          h("option", { value: model.id }, `${model.name} (${model.architecture}, ${model.format})`),
        ),
      );
      if (models.length === 1) modelSelect.value = models[0].id;
    } catch (error) {
      replaceChildren(generalErrors, h("li", {}, `Could not list the models: ${error.message}`));
    }
    syncEditor();
  }

  for (const option of trainingOptions) controls.get(option.name).value = optionText(option, option.initial);
  form.addEventListener("input", (event) => {
    if (event.target === editor) syncForm();
    else if (!event.target.closest(".upload")) syncEditor();
  });
  syncEditor();
  loadModels();
  return { title: "New job", element: form, close() {} };
}

function field(name, label, control, hint) {
  return h(
    "div",
    { class: "field", "data-field": name },
    h("label", { for: control.id }, label),
    control,
    hint ? h("p", { class: "hint", id: `hint-${name}` }, hint) : null,
    h("p", { class: "field-error", id: `error-${name}` }),
  );
}

/** Selects `value` in a select, adding it as an option when the list does not have it (typed in the editor). */
function setSelect(select, value) {
  if (value === undefined || value === null) {
    select.value = "";
    return;
  }
  const text = String(value);
  if (![...select.options].some((option) => option.value === text)) select.append(h("option", { value: text }, text));
  select.value = text;
}
