// The dataset part of the new-job form: pick a stored dataset, or upload files (chosen or dropped, folders
// included) as a multipart POST /v1/datasets with upload progress.

import { requestJSON, uploadForm } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { showFieldErrors } from "./fieldErrors.js";
import { bytes } from "./format.js";

const kohyaFolder = /^\d+_./;

/**
 * The name a file is uploaded under: from the innermost kohya `N_name` folder on ("10_sks dog/a.png"), or the bare
 * file name, which the server puts into `<repeats>_<class_tokens>/`.
 */
export function uploadName(relativePath) {
  const parts = relativePath.split("/").filter(Boolean);
  const folder = parts.slice(0, -1).findLastIndex((part) => kohyaFolder.test(part));
  return folder < 0 ? parts.at(-1) : parts.slice(folder).join("/");
}

/** Every file under a dropped entry, with its path relative to the drop. */
async function filesOf(entry, prefix = "") {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    return [{ file, path: prefix + file.name }];
  }
  const reader = entry.createReader();
  const entries = [];
  // readEntries answers in batches until it returns an empty one.
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    entries.push(...batch);
  }
  const nested = await Promise.all(entries.map((child) => filesOf(child, `${prefix}${entry.name}/`)));
  return nested.flat();
}

/**
 * The dataset chooser. `select` is the `<select name="dataset">` the form reads; `onChange()` is called when its
 * value changes because of an upload or the list loading.
 */
export function datasetChooser(onChange) {
  let chosen = [];
  const select = h("select", {
    id: "field-dataset",
    name: "dataset",
    required: true,
    "aria-describedby": "error-dataset",
  });
  const fileInput = h("input", {
    type: "file",
    id: "dataset-files",
    multiple: true,
    accept: ".png,.jpg,.jpeg,.webp,.bmp,.txt,.zip,.tar,.gz,.tgz",
    onchange: () => choose([...fileInput.files].map((file) => ({ file, path: file.webkitRelativePath || file.name }))),
  });
  const fileList = h("ul", { class: "file-list", "aria-live": "polite" });
  const nameInput = h("input", { id: "dataset-name", name: "name", "data-upload-field": "name" });
  const repeatsInput = h("input", {
    id: "dataset-repeats",
    name: "repeats",
    type: "number",
    min: 1,
    value: 10,
    "data-upload-field": "repeats",
  });
  const classInput = h("input", {
    id: "dataset-class-tokens",
    name: "class_tokens",
    placeholder: "the name",
    "data-upload-field": "class_tokens",
  });
  const uploadProgress = h("progress", { max: 1, value: 0, hidden: true, "aria-label": "Upload progress" });
  const uploadStatus = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const uploadButton = h(
    "button",
    { type: "button", id: "dataset-upload", disabled: true, onclick: () => upload() },
    "Upload dataset",
  );

  const dropZone = h(
    "div",
    { class: "drop-zone" },
    h(
      "label",
      { for: "dataset-files" },
      "Drop images, captions (.txt), kohya folders or an archive here, or choose files",
    ),
    fileInput,
    fileList,
  );
  dropZone.addEventListener("dragover", (event) => {
    event.preventDefault();
    dropZone.classList.add("dragging");
  });
  dropZone.addEventListener("dragleave", () => dropZone.classList.remove("dragging"));
  dropZone.addEventListener("drop", async (event) => {
    event.preventDefault();
    dropZone.classList.remove("dragging");
    const entries = [...event.dataTransfer.items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
    const files = entries.length
      ? (await Promise.all(entries.map((entry) => filesOf(entry)))).flat()
      : [...event.dataTransfer.files].map((file) => ({ file, path: file.name }));
    choose(files);
  });

  function choose(files) {
    chosen = files.filter(({ file }) => !file.name.startsWith("."));
    replaceChildren(fileList, chosen.map(({ file, path }) => h("li", {}, `${uploadName(path)} (${bytes(file.size)})`)));
    uploadButton.disabled = chosen.length === 0;
  }

  async function upload() {
    const form = new FormData();
    for (const input of [nameInput, repeatsInput, classInput]) {
      if (input.value.trim()) form.append(input.name, input.value.trim());
    }
    for (const { file, path } of chosen) form.append("files", file, uploadName(path));
    uploadButton.disabled = true;
    uploadProgress.hidden = false;
    uploadProgress.value = 0;
    uploadStatus.textContent = "Uploading…";
    try {
      const dataset = await uploadForm("/v1/datasets", form, (fraction) => {
        uploadProgress.value = fraction;
      });
      showFieldErrors(element, [], "upload.");
      select.prepend(datasetOption(dataset));
      select.value = dataset.id;
      uploadStatus.textContent = checkText(dataset);
      choose([]);
      fileInput.value = "";
      onChange();
    } catch (error) {
      const unmatched = showFieldErrors(element, error.fieldErrors ?? [], "upload.");
      const details = unmatched.map((fieldError) => `${fieldError.field}: ${fieldError.message}`);
      uploadStatus.textContent = `Upload failed: ${[error.message, ...details].join("; ")}`;
      uploadButton.disabled = false;
    } finally {
      uploadProgress.hidden = true;
    }
  }

  async function load() {
    try {
      const { datasets } = await requestJSON("/v1/datasets");
      const selected = select.value;
      replaceChildren(select, h("option", { value: "" }, "— choose a dataset —"), datasets.map(datasetOption));
      if (selected) select.value = selected;
      onChange();
    } catch (error) {
      uploadStatus.textContent = `Could not list the datasets: ${error.message}`;
    }
  }

  const element = h(
    "fieldset",
    { class: "dataset" },
    h("legend", {}, "Dataset"),
    h(
      "div",
      { class: "field", "data-field": "dataset" },
      h("label", { for: "field-dataset" }, "Stored dataset"),
      select,
      h("p", { class: "field-error", id: "error-dataset" }),
    ),
    h(
      "details",
      { class: "upload", open: true },
      h("summary", {}, "Upload a new dataset"),
      dropZone,
      h(
        "div",
        { class: "upload-fields" },
        uploadField("Name", nameInput),
        uploadField("Repeats", repeatsInput),
        uploadField("Class tokens", classInput),
      ),
      uploadButton,
      uploadProgress,
      uploadStatus,
    ),
  );
  load();
  return { element, select };
}

function uploadField(label, input) {
  const field = input.dataset.uploadField;
  input.setAttribute("aria-describedby", `error-upload-${field}`);
  return h(
    "div",
    { class: "field", "data-field": `upload.${field}` },
    h("label", { for: input.id }, label),
    input,
    h("p", { class: "field-error", id: `error-upload-${field}` }),
  );
}

function datasetOption(dataset) {
  const count = dataset.image_count ?? dataset.images?.length ?? 0;
  return h("option", { value: dataset.id }, `${dataset.name} (${count} images)`);
}

function checkText(dataset) {
  const check = dataset.check ?? {};
  const problems = [
    ...(check.errors ?? []).map((text) => `error: ${text}`),
    ...(check.warnings ?? []).map((text) => `warning: ${text}`),
  ];
  const count = dataset.images?.length ?? dataset.image_count ?? 0;
  return `Uploaded "${dataset.name}": ${count} images.${problems.length ? ` ${problems.join("; ")}` : ""}`;
}
