// The dialog that asks for the API token after a 401.

/** Shows the token dialog; resolves with the token entered, or null when the user cancels. */
export function askForToken() {
  const dialog = document.getElementById("token-dialog");
  const input = dialog.querySelector("#token-input");
  input.value = "";
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => resolve(dialog.returnValue === "ok" && input.value.trim() ? input.value.trim() : null),
      { once: true },
    );
    dialog.showModal();
  });
}
