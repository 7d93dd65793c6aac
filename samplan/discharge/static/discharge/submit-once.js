// A form marked data-submit-once sends once: after the first submit its buttons are disabled,
// so a double click does not send a second request. (The server recognises a second post of
// the same form by its one-time key anyway; this only spares the person a confusing page.)
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) return;
  if (form.dataset.submitted === "1") {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "1";
  // Disable after the browser has taken the clicked button's name and value into the post.
  window.setTimeout(() => {
    for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = true;
  }, 0);
});
// Coming back with the browser's Back button shows the page as it was left: usable again.
window.addEventListener("pageshow", () => {
  for (const form of document.querySelectorAll("form[data-submit-once]")) {
    delete form.dataset.submitted;
    for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = false;
  }
});
