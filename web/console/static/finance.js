// Financeiro: the "Copiar" button of a PIX copia e cola (data-copiar: the id of the field to
// copy; data-copiado: where to say it was copied). Delegated, so tabs loaded by htmx work too.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copiar]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copiar);
  const said = document.getElementById(button.dataset.copiado);
  const tell = (text) => { if (said) said.textContent = text; };
  if (!field) return;
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(
      () => tell("Código copiado."),
      () => { field.select(); tell("Não foi possível copiar: selecione e copie (Ctrl+C)."); },
    );
  } else {
    field.select();
    tell("Selecione e copie (Ctrl+C).");
  }
});
