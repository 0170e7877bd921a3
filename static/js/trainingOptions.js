// The main `lorad train` options the new-job form shows, with sd-scripts' defaults (train_network.py and
// networks/lora.py). The rest are reachable through the JSON editor.

/**
 * Each option: `name` (the kohya name, also the JSON key), `label`, `kind` ("integer", "number", "text",
 * "choice", "lines"), `initial` (the value a new form starts with; "" leaves the option out, so the server's
 * default applies), `choices` for "choice", and `hint`.
 */
export const trainingOptions = [
  { name: "network_dim", label: "Network dim (rank)", kind: "integer", initial: 4, min: 1 },
  { name: "network_alpha", label: "Network alpha", kind: "number", initial: 1, min: 0, step: "any" },
  { name: "learning_rate", label: "Learning rate", kind: "number", initial: 1e-4, min: 0, step: "any" },
  {
    name: "unet_lr",
    label: "U-Net learning rate",
    kind: "number",
    initial: "",
    min: 0,
    step: "any",
    hint: "empty: the learning rate",
  },
  {
    name: "text_encoder_lr",
    label: "Text encoder learning rate",
    kind: "number",
    initial: "",
    min: 0,
    step: "any",
    hint: "empty: the learning rate",
  },
  { name: "max_train_steps", label: "Max train steps", kind: "integer", initial: 1600, min: 1 },
  {
    name: "max_train_epochs",
    label: "Max train epochs",
    kind: "integer",
    initial: "",
    min: 1,
    hint: "overrides the steps when set",
  },
  { name: "train_batch_size", label: "Batch size", kind: "integer", initial: 1, min: 1 },
  { name: "resolution", label: "Resolution", kind: "text", initial: "512", hint: "512, or width,height" },
  {
    name: "optimizer_type",
    label: "Optimizer",
    kind: "choice",
    initial: "AdamW",
    choices: ["AdamW", "AdamW8bit", "Lion", "SGDNesterov", "DAdaptAdam", "Prodigy", "Adafactor", "AdamWScheduleFree"],
  },
  {
    name: "lr_scheduler",
    label: "LR scheduler",
    kind: "choice",
    initial: "constant",
    choices: [
      "constant",
      "constant_with_warmup",
      "linear",
      "cosine",
      "cosine_with_restarts",
      "polynomial",
      "inverse_sqrt",
      "cosine_with_min_lr",
      "warmup_stable_decay",
    ],
  },
  { name: "seed", label: "Seed", kind: "integer", initial: "", min: 0, hint: "empty: random" },
  { name: "save_every_n_epochs", label: "Save every N epochs", kind: "integer", initial: "", min: 1 },
  { name: "mixed_precision", label: "Mixed precision", kind: "choice", initial: "no", choices: ["no", "fp16", "bf16"] },
  { name: "sample_every_n_steps", label: "Sample every N steps", kind: "integer", initial: "", min: 1 },
  { name: "sample_prompts", label: "Sample prompts", kind: "lines", initial: "", hint: "one prompt per line" },
];

/** The JSON value of a form control's text: numbers as numbers, prompt lines as a list; undefined leaves it out. */
export function optionValue(option, text) {
  const trimmed = text.trim();
  if (option.kind === "lines") {
    const lines = text.split("\n").map((line) => line.trim()).filter(Boolean);
    return lines.length ? lines : undefined;
  }
  if (trimmed === "") return undefined;
  if (option.kind === "integer" || option.kind === "number") {
    // A value that is not a number goes as typed, so that the server names the field in its 422.
    const value = Number(trimmed);
    return Number.isFinite(value) ? value : trimmed;
  }
  if (option.name === "resolution" && /^\d+$/.test(trimmed)) return Number(trimmed);
  return trimmed;
}

/** The text a form control shows for a JSON value. */
export function optionText(option, value) {
  if (value === undefined || value === null) return "";
  if (option.kind === "lines") return Array.isArray(value) ? value.join("\n") : String(value);
  return String(value);
}
