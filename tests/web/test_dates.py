"""Dates: only YYYY-MM-DD, and the calendar's first and last days are a 422 naming the field
or a correct answer, never a 500 (an OverflowError once the period's end was computed)."""

import pytest

from tests.builders import build_customer
from tests.tasks.extracts.sessions import customer_with_login
from tests.web.api_helpers import API, assert_envelope

FIRST_DAY, LAST_DAY = "0001-01-01", "9999-12-31"
# Spellings Python's fromisoformat reads but the document's `format: date` does not, and
# others it never read (fullwidth digits: str.isdigit says yes).
NOT_YYYY_MM_DD = [
    "20270120",
    "2027-W03-1",
    "2027-020",
    "2027-1-20",
    "27-01-20",
    "\uff12\uff10\uff12\uff17-01-20",
]


@pytest.fixture
def code(app):
    return customer_with_login(app, "maria.pppoe")


def _routes(code: int) -> dict[str, str]:
    return {
        "customer connections": f"{API}/customers/{code}/connections",
        "staff connections": f"{API}/connections?login=maria.pppoe",
        "staff connections, whole day": f"{API}/connections",
        "customer calls": f"{API}/customers/{code}/calls",
        "customer documents": f"{API}/customers/{code}/documents",
    }


def _get(client, headers, url: str, **query):
    joiner = "&" if "?" in url else "?"
    return client.get(
        url + joiner + "&".join(f"{k}={v}" for k, v in query.items()), headers=headers
    )


def _export(client, headers, code: int, **filters):
    body = {"source": "connections", "format": "csv", "filters": {"customer_code": code, **filters}}
    return client.post(f"{API}/exports", json=body, headers=headers)


def _refused(response, field: str) -> list[str]:
    """The 422's messages for `field`, the only field it names."""
    errors = assert_envelope(response, 422, "validation_error")["errors"]
    assert set(errors) == {field}, errors
    return errors[field]


def _refused_filter(response, field: str) -> list[str]:
    """As _refused, for an export's filter: the schema nests it, the extract check names it."""
    errors = assert_envelope(response, 422, "validation_error")["errors"]
    if "filters" in errors:
        assert set(errors) == {"filters"}, errors
        errors = errors["filters"]
        assert set(errors) == {field}, errors
        return errors[field]
    return _refused(response, f"filters.{field}")


ROUTES = list(_routes(0))


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("field", ["from", "to"])
@pytest.mark.parametrize("value", NOT_YYYY_MM_DD)
def test_a_date_not_written_yyyy_mm_dd_is_a_422(client, admin, code, route, field, value):
    response = _get(client, admin, _routes(code)[route], **{field: value})
    assert "YYYY-MM-DD" in _refused(response, field)[0]


@pytest.mark.parametrize("field", ["from", "to"])
@pytest.mark.parametrize("value", NOT_YYYY_MM_DD)
def test_an_export_date_not_written_yyyy_mm_dd_is_a_422(client, admin, code, field, value):
    assert "YYYY-MM-DD" in _refused_filter(_export(client, admin, code, **{field: value}), field)[0]


# (query, the field named, or None for an answer): the period's end is the day after `to`.
EXTRACT_ENDS = [
    ({"to": LAST_DAY}, "to"),
    ({"from": LAST_DAY, "to": LAST_DAY}, "to"),
    ({"to": FIRST_DAY}, "to"),  # the default start, 30 days before, is off the calendar
    ({"from": LAST_DAY}, "from"),  # after today, when the period ends by default
    ({"from": FIRST_DAY}, "to"),  # up to today: longer than EXTRACT_MAX_DAYS
    ({"from": FIRST_DAY, "to": FIRST_DAY}, None),
    ({"from": FIRST_DAY, "to": "0001-01-30"}, None),
    ({"from": "9999-12-30", "to": "9999-12-30"}, None),
]


# Everyone's sessions without a login, NAS or customer: one day, `to` by default.
WHOLE_DAY_ENDS = [
    ({"to": LAST_DAY}, "to"),
    ({"from": LAST_DAY, "to": LAST_DAY}, "to"),
    ({"to": FIRST_DAY}, None),
    ({"from": FIRST_DAY, "to": FIRST_DAY}, None),
    ({"from": FIRST_DAY}, "to"),
    ({"from": LAST_DAY}, "from"),
    ({"from": "9999-12-30", "to": "9999-12-30"}, None),
]
EXTRACTS = [
    *[(route, *case) for route in ROUTES[:2] + ROUTES[3:4] for case in EXTRACT_ENDS],
    *[(ROUTES[2], *case) for case in WHOLE_DAY_ENDS],
]


@pytest.mark.parametrize(("route", "query", "field"), EXTRACTS)
def test_extracts_at_the_calendars_ends(client, admin, code, route, query, field):
    response = _get(client, admin, _routes(code)[route], **query)
    if field is None:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["total"] == 0
    else:
        _refused(response, field)


@pytest.mark.parametrize(("query", "field"), EXTRACT_ENDS)
def test_exports_at_the_calendars_ends(client, admin, code, query, field):
    response = _export(client, admin, code, **query)
    if field is None:
        assert response.status_code == 202, response.get_json()
        assert response.get_json()["params"]["filters"]["from"] == query["from"]
    else:
        _refused_filter(response, field)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"to": LAST_DAY}, "to"),
        ({"from": LAST_DAY, "to": LAST_DAY}, "to"),
        ({"from": LAST_DAY}, None),
        ({"to": FIRST_DAY}, None),
        ({"from": FIRST_DAY}, None),
        ({"from": FIRST_DAY, "to": "9999-12-30"}, None),
    ],
)
def test_documents_at_the_calendars_ends(app, client, admin, query, field):
    code = build_customer(app)
    response = _get(client, admin, f"{API}/customers/{code}/documents", **query)
    if field is None:
        assert response.status_code == 200, response.get_json()
    else:
        _refused(response, field)


def test_every_date_the_document_takes_is_yyyy_mm_dd(client):
    """Every date field and parameter is schemas.common.Date: its pattern is documented."""
    document = client.get(f"{API}/openapi.json").get_json()
    dates = list(_dates(document))
    assert len(dates) > 20
    for where, schema in dates:
        assert schema.get("pattern") == "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", where


def _dates(node, where="$"):
    """(where, schema) of every `format: date` in the document."""
    if isinstance(node, dict):
        if node.get("format") == "date":
            yield where, node
        for key, value in node.items():
            yield from _dates(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _dates(value, f"{where}[{index}]")
