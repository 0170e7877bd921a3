// Small pieces that the list and the job page both show.

import { h } from "./dom.js";
import { progressFraction } from "./format.js";

/** The job's state as a labelled badge. */
export function stateBadge(state) {
  return h("span", { class: `state state-${state}` }, state);
}

/** A progress bar with its step count as text, labelled for assistive technology. */
export function progressBar(progress) {
  const fraction = progressFraction(progress) ?? 0;
  const label = `step ${progress.step} of ${progress.total_steps}`;
  return h(
    "div",
    { class: "progress" },
    h("progress", { max: 1, value: fraction, "aria-label": label }),
    h("span", { class: "progress-text" }, `${label} (${Math.round(fraction * 100)} %)`),
  );
}
