"""`flask ceps import FILE.csv`: the CEP directory loaded, refreshed, every bad line reported."""

from pathlib import Path

from sqlalchemy import text

from models.db import db
from tests.web.api_helpers import API

HEADER = "cep,street,district,city,state"
PAULISTA = "01310-100,Avenida Paulista,Bela Vista,São Paulo,SP"
FARIA_LIMA = "04538133,Avenida Brigadeiro Faria Lima,Itaim Bibi,São Paulo,SP"
POCONE = "78175000,,,Poconé,MT"


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("".join(line + "\n" for line in lines).encode(encoding))
    return path


def run_import(app, path: Path, *options: str):
    return app.test_cli_runner().invoke(args=["ceps", "import", str(path), *options])


def directory(app) -> dict[str, tuple]:
    with app.app_context():
        rows = db.session.execute(text("SELECT cep, street, district, city, state FROM ceps"))
        return {cep: tuple(rest) for cep, *rest in rows}


def test_a_good_file_is_loaded_and_answers_lookups(app, client, admin, tmp_path):
    path = write(tmp_path / "ceps.csv", [HEADER, PAULISTA, FARIA_LIMA, POCONE])

    result = run_import(app, path)

    assert result.exit_code == 0, result.output
    assert "Lines read: 3" in result.output
    assert "New: 3" in result.output
    assert "Bad lines (skipped): 0" in result.output
    assert directory(app) == {
        "01310100": ("Avenida Paulista", "Bela Vista", "São Paulo", "SP"),
        "04538133": ("Avenida Brigadeiro Faria Lima", "Itaim Bibi", "São Paulo", "SP"),
        "78175000": (None, None, "Poconé", "MT"),  # a town with one CEP
    }
    body = client.get(f"{API}/ceps/01310100", headers=admin).get_json()
    assert body["cep"] == "01310-100" and body["street"] == "Avenida Paulista"


def test_running_it_again_changes_only_what_differs(app, tmp_path):
    path = write(tmp_path / "ceps.csv", [HEADER, PAULISTA, FARIA_LIMA, POCONE])
    assert run_import(app, path).exit_code == 0
    before = directory(app)

    again = run_import(app, path)
    assert again.exit_code == 0, again.output
    assert "New: 0" in again.output and "Updated: 0" in again.output
    assert "Unchanged: 3" in again.output
    assert directory(app) == before

    renamed = PAULISTA.replace("Bela Vista", "Bela Vista (Centro)")
    write(path, [HEADER, renamed, FARIA_LIMA, POCONE, "69900000,,,Rio Branco,ac"])
    third = run_import(app, path)
    assert third.exit_code == 0, third.output
    assert "New: 1" in third.output and "Updated: 1" in third.output
    assert "Unchanged: 2" in third.output
    assert directory(app)["01310100"][1] == "Bela Vista (Centro)"
    assert directory(app)["69900000"] == (None, None, "Rio Branco", "AC")


def test_bad_lines_are_reported_by_number_and_the_good_ones_loaded(app, tmp_path):
    lines = [
        HEADER,
        PAULISTA,  # 2
        "0131010,Rua Curta,Centro,São Paulo,SP",  # 3: 7 digits
        "01310200,Rua Sem Estado,Centro,São Paulo,XX",  # 4
        "01310300,Rua Sem Cidade,Centro,,SP",  # 5
        "",  # 6: blank
        "00000000,Rua Zero,Centro,São Paulo,SP",  # 7
        FARIA_LIMA,  # 8
        "01310-400,Rua A,Centro,São Paulo,SP",  # 9: the same CEP again on line 10
        "01310400,Rua B,Centro,São Paulo,SP",  # 10
        "01310500," + "R" * 201 + ",Centro,São Paulo,SP",  # 11
    ]
    path = write(tmp_path / "ceps.csv", lines)

    result = run_import(app, path, "--chunk-rows", "4")  # line numbers across chunks

    assert result.exit_code == 1, result.output
    out = result.output
    assert "Lines read: 10" in out
    assert "New: 3" in out
    assert "Updated: 1" in out  # line 10 (next chunk) replaced line 9
    assert "Bad lines (skipped): 6" in out
    assert "line 3: CEP must have 8 digits ('0131010')" in out
    assert "line 4: state is not one of the 27 UFs ('01310200')" in out
    assert "line 5: city is required ('01310300')" in out
    assert "line 6: CEP must have 8 digits ('')" in out
    assert "line 7: CEP must have 8 digits ('00000000')" in out
    assert "line 11: street longer than 200 characters ('01310500')" in out
    assert set(directory(app)) == {"01310100", "04538133", "01310400"}
    assert directory(app)["01310400"][0] == "Rua B"  # the later line counts


def test_the_same_cep_twice_counts_the_later_line_in_one_chunk_or_two(app, tmp_path):
    lines = [HEADER, PAULISTA, PAULISTA.replace("Avenida", "Av.")]
    path = write(tmp_path / "ceps.csv", lines)
    result = run_import(app, path, "--chunk-rows", "1")
    assert result.exit_code == 0, result.output
    assert "New: 1" in result.output and "Updated: 1" in result.output
    assert directory(app)["01310100"][0] == "Av. Paulista"

    write(path, [HEADER, PAULISTA, PAULISTA.replace("Avenida", "Avda.")])
    result = run_import(app, path)
    assert result.exit_code == 0, result.output
    assert "Updated: 1" in result.output
    assert "Repeated CEPs (the later line counts): 1" in result.output
    assert directory(app)["01310100"][0] == "Avda. Paulista"


def test_more_than_fifty_bad_lines_are_summed_up(app, tmp_path):
    lines = [HEADER, *(f"{n:07d},Rua,Bairro,Cidade,SP" for n in range(60))]
    result = run_import(app, write(tmp_path / "ceps.csv", lines))
    assert result.exit_code == 1
    assert "Bad lines (skipped): 60" in result.output
    assert "line 51: CEP must have 8 digits" in result.output
    assert "line 52:" not in result.output
    assert "and 10 more" in result.output


def test_a_semicolon_file_with_a_bom_and_another_column_order(app, tmp_path):
    lines = [
        "\ufeffUF;Cidade_extra;CEP;Street;District;City;State",
        "x;y;01310-100;Avenida Paulista;Bela Vista;São Paulo;SP",
        'x;y;04538133;"Avenida Brigadeiro Faria Lima; lado par";Itaim Bibi;São Paulo;SP',
    ]
    result = run_import(app, write(tmp_path / "ceps.csv", lines))
    assert result.exit_code == 0, result.output
    assert "(utf-8-sig, ';')" in result.output
    assert directory(app)["04538133"][0] == "Avenida Brigadeiro Faria Lima; lado par"
    assert directory(app)["01310100"][2] == "São Paulo"


def test_a_latin1_file_is_read_as_latin1(app, tmp_path):
    path = write(tmp_path / "ceps.csv", [HEADER, PAULISTA, POCONE], encoding="latin-1")
    result = run_import(app, path)
    assert result.exit_code == 0, result.output
    assert "(latin-1, ',')" in result.output
    assert directory(app)["78175000"][2] == "Poconé"


def test_a_file_without_the_columns_is_refused_whole(app, tmp_path):
    path = write(tmp_path / "ceps.csv", ["cep,street,city", "01310100,Avenida Paulista,SP"])
    result = run_import(app, path)
    assert result.exit_code == 2, result.output
    assert "lacks the column(s) district, state" in result.output
    assert directory(app) == {}


def test_a_missing_file_is_a_usage_error(app, tmp_path):
    result = run_import(app, tmp_path / "nowhere.csv")
    assert result.exit_code == 2
    assert directory(app) == {}
