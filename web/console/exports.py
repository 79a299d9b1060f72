"""Exportar [6.6.1] and Minhas exportações: an extract's rows to XLSX, CSV or TXT, run by a
worker as POST /exports does (same schema, ExportInput; same operation, exports.start_export).

The form picks the columns, renames them and sets their widths, the title and the totals row;
its filters are the extract's as shown. The job's page shows a <progress> that htmx refreshes
every second until the job is done (or failed), then the link to the file.
"""

from flask import g, redirect, render_template, request, url_for

from models.customers.customers import get_customer
from models.errors import DomainError
from models.extracts import exports, extracts
from schemas.extracts.exports import DELIMITERS, ExportInput, ExportQuery
from web.console.blueprint import bp, render
from web.console.forms import add_messages, body_from, domain_errors, last_page, load, page_asked
from web.console.record import render_tab
from web.downloads import export_file
from web.permissions import READ, WRITE
from web.security import requires

PER_PAGE = 20
FORMATS = {"xlsx": "XLSX (planilha)", "csv": "CSV", "txt": "TXT"}
DELIMITER_NAMES = {
    ";": "Ponto e vírgula (;)",
    ",": "Vírgula (,)",
    "\t": "Tabulação",
    "|": "Barra (|)",
}
DECIMAL_NAMES = {",": "Vírgula (1,5)", ".": "Ponto (1.5)"}
STATUS_NAMES = {
    exports.QUEUED: "Na fila",
    exports.RUNNING: "Em andamento",
    exports.DONE: "Concluída",
    exports.FAILED: "Falhou",
    exports.EXPIRED: "Expirada",
}
SOURCE_NAMES = {
    extracts.CONNECTIONS: "Conexões",
    extracts.CALLS: "Ligações",
    "anatel_access": "Acessos SCM (Anatel)",
}
# Each source's extract tab and the filters it carries into the export.
TABS = {
    extracts.CONNECTIONS: ("console.connections", ("login", "nas", "from", "to")),
    extracts.CALLS: ("console.calls", ("terminal", "termination", "from", "to")),
}

add_messages(
    (r"Must differ from the delimiter\.", "Deve ser diferente do separador de campos."),
    (
        r"You have (\d+) exports queued or running \(at most (\d+)\); wait for one\.",
        "Você tem {0} exportações na fila ou em andamento (no máximo {1}); aguarde uma terminar.",
    ),
    (r"Column given twice\.", "Coluna repetida."),
    (r"Unknown column; .*", "Coluna desconhecida."),
    (
        r"This export is (\w+): there is no file to download\.",
        "Esta exportação não tem arquivo para baixar.",
    ),
    (r"The export's file is gone; run the export again\.", "O arquivo sumiu; exporte de novo."),
    (r"Must be greater than or equal to 10 and less than or equal to 2000\.", "De 10 a 2000."),
    (r"Invalid value for .*", "Filtros inválidos: confira o extrato."),
)


def _columns(source: str) -> list:
    return extracts.columns_of(source)


def _defaults(source: str) -> dict:
    values = {"format": "xlsx", "title": "", "totals": "true", "delimiter": ";", "decimal": ","}
    for column in _columns(source):
        values[f"coluna.{column.field}"] = "true"
        values[f"titulo.{column.field}"] = column.title
        values[f"largura.{column.field}"] = str(column.width_px)
    return values


def _typed(source: str, form) -> dict:
    values = {name: form.get(name, "") for name in ("format", "title", "delimiter", "decimal")}
    values["totals"] = "true" if "totals" in form else ""
    for column in _columns(source):
        for part in ("titulo", "largura"):
            values[f"{part}.{column.field}"] = form.get(f"{part}.{column.field}", "")
        values[f"coluna.{column.field}"] = "true" if f"coluna.{column.field}" in form else ""
    return values


def _body(source: str, code: int, form) -> tuple[dict, list[str]]:
    """The API body of the export form, and the field of each column asked for (in order)."""
    filters = body_from(form, TABS[source][1], dates=("from", "to"))
    body = body_from(form, ("format", "title"))
    body |= {
        "source": source,
        "filters": {**filters, "customer_code": code},
        "totals": "totals" in form,
        "delimiter": form.get("delimiter") or ";",
        "decimal_separator": form.get("decimal") or ",",
        "columns": [],
    }
    fields = []
    for column in _columns(source):
        if f"coluna.{column.field}" not in form:
            continue
        width = form.get(f"largura.{column.field}", "").strip()
        asked = {"field": column.field, "title": form.get(f"titulo.{column.field}", "").strip()}
        if width:
            asked["width_px"] = int(width) if width.isdigit() else width
        body["columns"].append(asked)
        fields.append(column.field)
    return body, fields


def _on_screen(errors: dict, fields: list[str]) -> dict:
    """The schema's errors under the form's names (columns.2.title: titulo.<field>)."""
    shown: dict[str, list[str]] = {}
    parts = {"title": "titulo", "width_px": "largura", "field": "coluna"}
    for key, messages in errors.items():
        name = key
        pieces = key.split(".")
        if pieces[0] == "columns" and len(pieces) == 3 and pieces[1].isdigit():
            index = int(pieces[1])
            if index < len(fields):
                name = f"{parts.get(pieces[2], 'coluna')}.{fields[index]}"
        elif key == "decimal_separator":
            name = "decimal"
        elif key.startswith("filters.") or key == "source":
            name = "_schema"
        elif key == "columns":
            name = "_colunas"
        shown.setdefault(name, []).extend(messages)
    return shown


def _form(source: str, code: int, values: dict, errors: dict, filters: dict):
    endpoint = TABS[source][0]
    return render_tab(
        "conexoes" if source == extracts.CONNECTIONS else "ligacoes",
        "console/extratos/exportar.html",
        get_customer(code),
        source=source,
        source_name=SOURCE_NAMES[source],
        columns=_columns(source),
        values=values,
        errors=errors,
        filters=filters,
        formats=FORMATS,
        delimiters={d: DELIMITER_NAMES[d] for d in DELIMITERS},
        decimals=DECIMAL_NAMES,
        action=url_for(f"{endpoint}_export", code=code),
        back=url_for(endpoint, code=code, **filters),
    )


def export_form(source: str, code: int):
    """Exportar: the form with every column picked, its default heading and width."""
    filters = {name: request.args[name] for name in TABS[source][1] if request.args.get(name)}
    return _form(source, code, _defaults(source), {}, filters)


def start(source: str, code: int):
    """The export queued (303 to its progress), or the form again with its errors (422, 429)."""
    get_customer(code)
    filters = {name: request.form[name] for name in TABS[source][1] if request.form.get(name)}
    body, fields = _body(source, code, request.form)
    data, errors = load(ExportInput(), body)
    status = 422
    if data is not None:
        if not data["columns"]:
            errors = {"_colunas": ["Escolha ao menos uma coluna."]}
        else:
            try:
                export = exports.start_export(data, g.user)
            except DomainError as error:
                errors, status = domain_errors(error), error.status
            else:
                # The page the form leads to downloads the file by itself once it is done.
                target = url_for("console.export_status", export_id=export.id, baixar=1)
                return redirect(target, 303)
    shown = _on_screen(errors, fields)
    return _form(source, code, _typed(source, request.form), shown, filters), status


@bp.route("/clientes/<int:code>/conexoes/exportar", methods=["GET"])
@requires("extracts", WRITE)
def connections_export_form(code: int):
    return export_form(extracts.CONNECTIONS, code)


@bp.route("/clientes/<int:code>/conexoes/exportar", methods=["POST"])
@requires("extracts", WRITE)
def connections_export(code: int):
    return start(extracts.CONNECTIONS, code)


def _export_context(export) -> dict:
    return {
        "export": export,
        "status_names": STATUS_NAMES,
        "source_names": SOURCE_NAMES,
        # Asked right after the export form: the file downloads as soon as it is ready
        # (console.js clicks the link once); a later visit only shows the link.
        "download_when_done": request.args.get("baixar") == "1",
    }


@bp.route("/exportacoes", methods=["GET"])
@requires("extracts", READ)
def my_exports():
    """Minhas exportações: the user's exports, newest first, with status, progress and expiry."""
    page, errors = page_asked(ExportQuery(), PER_PAGE)
    found, total = exports.list_exports(g.user, page, PER_PAGE)
    return render(
        "console/extratos/minhas_exportacoes.html",
        exports=found,
        page=page,
        last_page=last_page(total, PER_PAGE),
        errors=errors,
        status_names=STATUS_NAMES,
        source_names=SOURCE_NAMES,
        unfinished=exports.UNFINISHED,
    )


@bp.route("/exportacoes/<int:export_id>", methods=["GET"])
@requires("extracts", READ)
def export_status(export_id: int):
    """One export: what it holds, and its progress moving until it is done."""
    export = exports.get_export(export_id, g.user)
    return render("console/extratos/exportacao.html", **_export_context(export))


@bp.route("/exportacoes/<int:export_id>/progresso", methods=["GET"])
@requires("extracts", READ)
def export_progress(export_id: int):
    """The progress fragment htmx polls every second (it stops polling once the job ends)."""
    export = exports.get_export(export_id, g.user)
    return render_template("console/extratos/progresso.html", **_export_context(export))


@bp.route("/exportacoes/<int:export_id>/arquivo", methods=["GET"])
@requires("extracts", READ)
def export_download(export_id: int):
    """The file, as GET /exports/<id>/file hands it (the download recorded)."""
    return export_file(export_id, g.user)
