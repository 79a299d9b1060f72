// Dados de pagamento and Documentos: the form shows the chosen payment method's fields; a file
// dropped on a drop zone goes into its file input (which stays a normal, labelled input).
"use strict";

(function () {
  // Payment methods: only the fieldset of the chosen "Forma de Cobrança" shows.
  function showChosenMethod(root) {
    (root || document).querySelectorAll("select[data-forma-cobranca]").forEach(function (select) {
      var form = select.form;
      if (!form) return;
      form.querySelectorAll("fieldset[data-forma]").forEach(function (fieldset) {
        fieldset.hidden = fieldset.dataset.forma !== select.value;
      });
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-forma-cobranca]")) showChosenMethod(event.target.form);
  });
  document.addEventListener("DOMContentLoaded", function () { showChosenMethod(document); });
  document.addEventListener("htmx:afterSettle", function (event) { showChosenMethod(event.target); });

  // An upload past the size limit answers a page saying so (413): show it, as console.js does
  // with the other refusals.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 413) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Drop zones: [data-soltar] holding an <input type=file>.
  function zoneOf(event) {
    return event.target.closest ? event.target.closest("[data-soltar]") : null;
  }
  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var zone = zoneOf(event);
      if (!zone) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      zone.classList.add("arrastando");
    });
  });
  document.addEventListener("dragleave", function (event) {
    var zone = zoneOf(event);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("arrastando");
  });
  document.addEventListener("drop", function (event) {
    var zone = zoneOf(event);
    if (!zone) return;
    event.preventDefault();
    zone.classList.remove("arrastando");
    var input = zone.querySelector("input[type=file]");
    if (!input || !event.dataTransfer.files.length) return;
    input.files = event.dataTransfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.focus();
  });
})();
