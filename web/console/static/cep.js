// CEP autofill [5.3]: when a CEP input (data-cep-busca, the lookup's URL for CEP 00000000) holds
// 8 digits, the directory's street, district, city and state fill the inputs of its group
// (data-cep-grupo) marked data-cep-parte; data-cep-aviso says when the CEP is not found.
"use strict";

(function () {
  var PLACEHOLDER = "00000000";

  function fill(input) {
    var digits = input.value.replace(/\D/g, "");
    if (digits.length !== 8 || input.dataset.cepBuscado === digits) return;
    input.dataset.cepBuscado = digits;
    var group = input.closest("[data-cep-grupo]") || input.form;
    if (!group) return;
    var notice = group.querySelector("[data-cep-aviso]");
    var url = input.dataset.cepBusca.replace(PLACEHOLDER, digits);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (input.value.replace(/\D/g, "") !== digits) return; // typed on meanwhile
        if (!answer.ok) {
          if (notice) notice.textContent = answer.body.message || "CEP não encontrado.";
          return;
        }
        group.querySelectorAll("[data-cep-parte]").forEach(function (field) {
          var value = answer.body[field.dataset.cepParte];
          if (value) field.value = value;
        });
        if (notice) notice.textContent = "Endereço preenchido pelo CEP.";
      })
      .catch(function () {
        if (notice) notice.textContent = "Não foi possível consultar o CEP.";
      });
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.dataset && input.dataset.cepBusca) fill(input);
  });
})();
