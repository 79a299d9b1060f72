// The console's behaviour beyond htmx: keyboard first, masks, the CSRF token on htmx requests,
// dialogs. No inline scripts anywhere (the Content-Security-Policy forbids them): everything is
// wired here by data attributes and element ids.
"use strict";

(function () {
  // Every htmx request that changes something carries the session's CSRF token.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && event.detail.verb !== "get") {
      event.detail.headers["X-CSRFToken"] = meta.content;
    }
  });

  // A fragment that failed with a page of its own (a refusal, a validation error) still shows:
  // htmx would otherwise drop 4xx answers.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 422 || status === 409 || status === 400 || status === 403 || status === 404) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Search results: arrow keys move from the box through the results; Enter opens one.
  function resultLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("#resultados a.resultado"));
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    var links = resultLinks();
    if (!links.length) return;
    var box = document.getElementById("q");
    var index = links.indexOf(document.activeElement);
    if (document.activeElement === box && event.key === "ArrowDown") {
      links[0].focus();
    } else if (index >= 0 && event.key === "ArrowDown" && index + 1 < links.length) {
      links[index + 1].focus();
    } else if (index > 0 && event.key === "ArrowUp") {
      links[index - 1].focus();
    } else if (index === 0 && event.key === "ArrowUp" && box) {
      box.focus();
    } else {
      return;
    }
    event.preventDefault();
  });

  // Masks: CPF/CNPJ, CEP and phones take their punctuation as they are typed.
  var MASKS = {
    cpf: function (d) { return group(d.slice(0, 11), [3, 3, 3, 2], [".", ".", "-"]); },
    cnpj: function (d) { return group(d.slice(0, 14), [2, 3, 3, 4, 2], [".", ".", "/", "-"]); },
    documento: function (d) { return d.length <= 11 ? MASKS.cpf(d) : MASKS.cnpj(d); },
    cep: function (d) { return group(d.slice(0, 8), [5, 3], ["-"]); },
    telefone: function (d) {
      d = d.slice(0, 11);
      if (d.length <= 2) return d;
      var rest = d.slice(2);
      var split = rest.length > 8 ? 5 : 4;
      return "(" + d.slice(0, 2) + ") " + (rest.length > split ? rest.slice(0, split) + "-" + rest.slice(split) : rest);
    },
  };
  function group(digits, sizes, separators) {
    var out = "", at = 0;
    for (var i = 0; i < sizes.length && at < digits.length; i++) {
      if (i > 0) out += separators[i - 1];
      out += digits.slice(at, at + sizes[i]);
      at += sizes[i];
    }
    return out;
  }
  function applyMask(field) {
    var mask = field.dataset && MASKS[field.dataset.mascara];
    if (!mask || !field.value) return;
    // Alphanumeric CNPJs (2026) keep their letters; everything else keeps digits only.
    var raw = field.dataset.mascara === "cnpj" ? field.value.toUpperCase().replace(/[^0-9A-Z]/g, "") : field.value.replace(/\D/g, "");
    field.value = mask(raw);
  }
  function applyMasks(root) {
    (root || document).querySelectorAll("[data-mascara]").forEach(applyMask);
  }
  document.addEventListener("input", function (event) { applyMask(event.target); });
  // What was typed before this script ran (a busy machine) gets its mask too.
  document.addEventListener("DOMContentLoaded", function () { applyMasks(document); });

  // Dialogs marked data-abrir open on arrival (mandatory observations); Esc closes the others
  // (the browser's own <dialog> behaviour), while a dialog marked data-obrigatorio stays until
  // "Li e estou ciente" [5.5.6]. Cancelling its `cancel` event is not enough: Chromium lets Esc
  // close a modal dialog anyway when the page has had no user activation yet (the close-watcher
  // rule against trapping users), which is the case on arrival. So Esc is stopped before it
  // becomes a close request, and a mandatory dialog that closes all the same (another close
  // request) opens again.
  function openDialogs(root) {
    (root || document).querySelectorAll("dialog[data-abrir]").forEach(function (dialog) {
      if (!dialog.open) dialog.showModal();
    });
  }
  function isMandatory(element) {
    return element.matches && element.matches("dialog[data-obrigatorio]");
  }
  document.addEventListener("cancel", function (event) {
    if (isMandatory(event.target)) event.preventDefault();
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.querySelector("dialog[data-obrigatorio][open]")) event.preventDefault();
  }, true);
  document.addEventListener("close", function (event) {
    if (isMandatory(event.target) && event.target.isConnected) event.target.showModal();
  }, true);
  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-abre-dialogo]");
    if (opener) {
      var dialog = document.getElementById(opener.dataset.abreDialogo);
      if (dialog) dialog.showModal();
    }
    var closer = event.target.closest && event.target.closest("[data-fecha-dialogo]");
    if (closer) {
      var own = closer.closest("dialog");
      if (own) own.close();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    openDialogs(document);
    // What was typed in the search box before the scripts were ready still gets its results.
    var box = document.getElementById("q");
    // (Not an "input" event: htmx took the typed text as the box's last value when it started,
    // so "input changed" would see no change.)
    if (box && window.htmx && box.value !== box.defaultValue) window.htmx.trigger(box.form, "submit");
  });
  document.addEventListener("htmx:afterSettle", function (event) { openDialogs(event.target); });

  // An export asked a moment ago downloads by itself once done (its page or the polled progress
  // marks the link); only once: the mark goes, and the address loses its "?baixar=1" so that
  // reloading the page does not download the file again.
  function downloadWhenDone(root) {
    var link = root.querySelector("a[data-baixar-ao-concluir]");
    if (!link) return;
    link.removeAttribute("data-baixar-ao-concluir");
    window.history.replaceState(null, "", window.location.pathname);
    link.click();
  }
  document.addEventListener("DOMContentLoaded", function () { downloadWhenDone(document); });
  document.addEventListener("htmx:afterSettle", function () { downloadWhenDone(document); });

  // After a swap, focus and the current tab follow what was chosen: a page of results ("Próxima",
  // "Anterior") puts focus on its first result (the link that had it is gone, and the arrows
  // start from there), and a record tab opened by htmx becomes the current one (aria-current).
  // Results replaced while a result had the focus (the attendant pressed an arrow before the
  // last search answered): the focus goes to the new first result, not lost to the page.
  var resultHadFocus = false;
  document.addEventListener("htmx:beforeSwap", function (event) {
    resultHadFocus = event.detail.target.id === "resultados" &&
      resultLinks().indexOf(document.activeElement) >= 0;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (resultHadFocus && event.detail.target.id === "resultados") {
      var firstResult = document.querySelector("#resultados a.resultado");
      if (firstResult) firstResult.focus();
      resultHadFocus = false;
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;  // who asked
    if (!elt || !elt.closest) return;
    if (elt.closest("nav.paginas")) {
      var first = document.querySelector("#resultados a.resultado");
      if (first) first.focus();
    }
    var tabs = elt.closest("nav.abas");
    if (tabs) {
      tabs.querySelectorAll("a[aria-current]").forEach(function (link) {
        link.removeAttribute("aria-current");
      });
      elt.setAttribute("aria-current", "page");
    }
  });
})();
