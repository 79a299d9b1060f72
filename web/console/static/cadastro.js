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
    var scope = form.closest("section, #aba") || form;  // a heading above the form too
    scope.querySelectorAll("[data-rotulo-pf]").forEach(function (label) {
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
    // Someone already in a field (a fast typist, while this script loaded) keeps it.
    var active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
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
  // Right when the content arrives, in the same task (a deferred script runs once the page is
  // parsed; htmx fires afterSwap as it swaps), so no keystroke lands before the focus moves.
  setUp(document);
  document.addEventListener("htmx:afterSwap", function (event) { setUp(event.target); });
})();
