// Shows a 422's `errors` ([{field, message}]) next to the form fields they name.

/** The form field an error names: "sample_prompts[2]" and "network_args.conv_dim" belong to their first key. */
function fieldKey(field) {
  return String(field ?? "").split(/[.[]/)[0];
}

/**
 * Clears the errors shown in `container`, then shows each error next to its field: the element with
 * `data-field="<prefix><key>"` and a `.field-error` inside. Returns the errors that name no field shown here.
 */
export function showFieldErrors(container, errors, prefix = "") {
  for (const field of container.querySelectorAll("[data-field]")) {
    if (!field.dataset.field.startsWith(prefix)) continue;
    field.classList.remove("invalid");
    field.querySelector("input, select, textarea")?.removeAttribute("aria-invalid");
    const slot = field.querySelector(".field-error");
    if (slot) slot.textContent = "";
  }
  const unmatched = [];
  for (const error of errors) {
    const field = container.querySelector(`[data-field="${CSS.escape(prefix + fieldKey(error.field))}"]`);
    const slot = field?.querySelector(".field-error");
    if (!slot) {
      unmatched.push(error);
      continue;
    }
    field.classList.add("invalid");
    field.querySelector("input, select, textarea")?.setAttribute("aria-invalid", "true");
    slot.textContent = slot.textContent ? `${slot.textContent} ${error.message}` : error.message;
  }
  return unmatched;
}
