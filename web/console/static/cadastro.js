// Cadastro and Contatos forms [5, 5.4]: what the form offers follows what was chosen or typed.
// - "Tipo" (data-tipo-escolha, radios named kind): the fields of the other kind (data-tipo="PF"
//   or "PJ") hide, and labels with data-rotulo-pf / data-rotulo-pj read as the chosen kind's.
// - A checkbox with data-requer (the id of an input) is disabled and unmarked while that input
//   is blank; its hint (dica-<id>) then says why, from data-dica. The server checks it anyway
//   (without this script the box is always there, and a refusal shows next to it).
// - A form marked data-foco-erro puts the focus on its first field with an error on arrival;
//   one also marked data-foco-inicial (an edit form, Novo cliente) on its first field otherwise.
"use strict";

(function () {
  function showKind(form, kind) {
    form.querySelectorAll("[data-tipo]").forEach(function (part) {
      part.hidden = part.dataset.tipo !== kind;
    });
    form.querySelectorAll("[data-rotulo-pf]").forEach(function (label) {
      label.textContent = kind === "PJ" ? label.dataset.rotuloPj : label.dataset.rotuloPf;
    });
  }

  function followRequirement(box) {
    var source = document.getElementById(box.dataset.requer);
    if (!source) return;
    var blank = !source.value.trim();
    box.disabled = blank;
    if (blank) box.checked = false;
    var hint = document.getElementById("dica-" + box.id);
    if (hint) hint.textContent = blank ? box.dataset.dica || "" : "";
  }

  function setUp(root) {
    // A box the server refused stays as it was sent, next to the reason, until typing goes on.
    root.querySelectorAll("input[data-requer]").forEach(function (box) {
      if (box.getAttribute("aria-invalid") !== "true") followRequirement(box);
    });
    var form = root.matches && root.matches("form[data-foco-erro]") ? root : root.querySelector("form[data-foco-erro]");
    if (!form) return;
    var first = form.querySelector('[aria-invalid="true"]');
    if (!first && form.hasAttribute("data-foco-inicial")) first = firstField(form);
    if (first) first.focus();
  }

  function firstField(form) {
    var fields = form.querySelectorAll("input:not([type=hidden]):not([type=radio]), select, textarea");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].offsetParent !== null && !fields[i].disabled) return fields[i];
    }
    return null;
  }

  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (radio.name === "kind" && radio.closest("[data-tipo-escolha]") && radio.form) {
      showKind(radio.form, radio.value);
    }
  });
  document.addEventListener("input", function (event) {
    var source = event.target;
    if (!source.id) return;
    document.querySelectorAll('input[data-requer="' + source.id + '"]').forEach(followRequirement);
  });
  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:afterSettle", function (event) { setUp(event.target); });
})();
