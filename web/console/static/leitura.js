// The mandatory-reading dialog [5.5.6] stays until "Li e estou ciente". console.js cancels the
// dialog's `cancel` event, but Chromium lets Esc close a modal dialog anyway when the page has
// had no user activation yet (the close-watcher rule against trapping users), which is the case
// on arrival. So Esc is stopped before it becomes a close request, and a mandatory dialog that
// closes all the same (another close request) opens again.
"use strict";

(function () {
  function openMandatory() {
    return document.querySelector("dialog[data-obrigatorio][open]");
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && openMandatory()) event.preventDefault();
  }, true);
  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (dialog.matches && dialog.matches("dialog[data-obrigatorio]") && dialog.isConnected) {
      dialog.showModal();
    }
  }, true);
})();
