"""Customer search ("Pesquisar Cliente", manual step 3), fast at a million customers.

Results come in code order or in name order, and an index gives either order, so a common term
("silva") stops after one page instead of reading and sorting every match. Substring terms use
the trigram indexes on PostgreSQL. Beyond ESTIMATE_ABOVE matches the total is the planner's
estimate, flagged as such. Terms are split into words that must all appear, in any order.

Every field states what a usable term is (RULES); a term no field can use is refused with that
rule rather than answered with nothing (or with every customer).

The attendant on the phone may have only a mailbox address or a login: `email` (and so `any`)
also finds the mailboxes of a customer's plans, and `any` a whole login.
"""

import re

from sqlalchemy import and_, or_, text, true

from models import backend
from models.customers.customers import Customer
from models.customers.identifiers import fold, normalize_separators
from models.db import db
from models.errors import Invalid
from models.service.items import EMAIL, RADIUS_LOGIN, VOIP_TERMINAL, Item

FIELDS = ("any", "name", "code", "document", "email", "phone", "city", "address", "login", "domain")
SORTS = ("code", "name")
_WORDS_RULE = "a word of at least 3 letters or digits; every word typed must appear, in any order"
RULES = {
    "name": f"{_WORDS_RULE} (name or trade name)",
    "code": "1 to 9 digits",
    "document": "3 to 14 letters or digits of a CPF or CNPJ, at least one of them a digit",
    "email": "at least 3 letters or digits in a row, and no spaces",
    "phone": "4 to 13 digits",
    "city": "at least 3 letters or digits (the start of the city's name)",
    "address": f"{_WORDS_RULE} (street, number, district, condominium, CEP)",
    "login": "the start of a RADIUS or SIP login: 2 to 64 lower-case letters, digits, . _ @ or -",
    "domain": "a mailbox domain such as example.com.br (an extra mailbox of a plan)",
}
# Searched only when asked for: they read the items of subscriptions, not the customer row.
_ITEM_FIELDS = ("login", "domain")
MAX_RESULTS = 10_000  # deepest row a client may page to; refine the search beyond that
ESTIMATE_ABOVE = 5_000
# A walk in an index's order stops after one page when the matches are spread along that order,
# but a term's matches may cluster: in name order a first name ("maria" starts 11 % of the names,
# none before "m") comes only after most of the index. So a walk gives up once it has done the
# work of reading every match through the trigram index instead, which then gives the page (and
# an exact total). Reading a match that way costs about as much as a walk reading one row, and
# about twenty times as much as checking one entry of the name index (measured at a million
# customers, docs/BENCHMARKS.md).
WALK_ROWS_PER_MATCH = 1
WALK_INDEX_ENTRIES_PER_MATCH = 20

_PUNCTUATION = re.compile(r"[\s.\-/()+]")
_WORD_BREAK = re.compile(r"[\s,;]+")
# Three letters or digits in a row make a trigram, the least the trigram indexes can look up;
# a term without one would read every row.
_TRIGRAM = re.compile(r"[^\W_]{3}")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
# A CEP as people type it (01153-001, 01.153-001): stored as its 8 digits.
_CEP_LIKE = re.compile(r"[0-9][0-9.\-]*[0-9]")
# ASCII classes on purpose: str.isdigit() accepts characters int() and our columns never hold.
_CODE = re.compile(r"[0-9]{1,9}")
_DOCUMENT = re.compile(r"(?=[A-Z]*[0-9])[0-9A-Z]{3,14}")
_PHONE = re.compile(r"[0-9]{4,13}")
_LOGIN = re.compile(r"[a-z0-9._@-]{2,64}")
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def _escape(term: str) -> str:
    """The term with LIKE's wildcards made literal (used with ESCAPE '\\')."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(term: str) -> str:
    return f"%{_escape(term)}%"


def _compact(q: str) -> str:
    """The term without the punctuation people type in documents and phone numbers."""
    return _PUNCTUATION.sub("", normalize_separators(q)).upper()


def _words(q: str) -> list[str]:
    """The folded words of the term, each once, in the order typed."""
    return list(dict.fromkeys(word for word in _WORD_BREAK.split(fold(q)) if word))


def _all_words(column, words: list[str]):
    """Every word somewhere in `column`, in any order; None unless a word has a trigram."""
    if not any(_TRIGRAM.search(word) for word in words):
        return None
    return and_(*(column.like(_like(word), escape="\\") for word in words))


def _name(q, phrase=False):
    words = _words(q)
    return _all_words(Customer.search_name, [" ".join(words)] if phrase and words else words)


def _address_word(word: str) -> str:
    return re.sub(r"[.\-]", "", word) if _CEP_LIKE.fullmatch(word) else word


def _address(q, phrase=False):
    words = [_address_word(word) for word in _words(q)]
    return _all_words(Customer.search_address, [" ".join(words)] if phrase and words else words)


def _code(q, _phrase=False):
    digits = q.strip()
    return Customer.code == int(digits) if _CODE.fullmatch(digits) else None


def _document(q, _phrase=False):
    term = _compact(q)
    if not _DOCUMENT.fullmatch(term):
        return None
    if len(term) in (11, 14):
        return Customer.document == term
    return Customer.document.like(f"{term}%")


def _email(q, _phrase=False):
    """Part of the customer's e-mail, or of a mailbox of one of their plans."""
    term = normalize_separators(q).strip().lower()
    if not _TRIGRAM.search(term) or re.search(r"\s", term):
        return None
    pattern = _like(term)
    own = Customer.search_contact.like(pattern, escape="\\") & Customer.email.like(
        pattern, escape="\\"
    )
    # Mailbox addresses are stored in lower case; their trigram index serves the LIKE.
    mailbox = (Item.kind == EMAIL) & Item.address.like(pattern, escape="\\")
    return or_(own, _with_item_among_others(mailbox))


def _phone(q, _phrase=False):
    digits = _compact(q)
    if not _PHONE.fullmatch(digits):
        return None
    if len(digits) in (12, 13) and digits.startswith("55"):
        digits = digits[2:]  # +55 and a whole national number, stored without the 55
    pattern = _like(digits)  # digits only: nothing to escape
    numbers = or_(
        *(column.like(pattern) for column in (Customer.phone, Customer.mobile, Customer.fax))
    )
    return Customer.search_contact.like(pattern) & numbers


def _city(q, _phrase=False):
    term = fold(q)
    if len(_LETTER_OR_DIGIT.findall(term)) < 3:
        return None
    return Customer.search_city.like(f"{_escape(term)}%", escape="\\")


def _with_item(condition):
    """Customers with a live item of a subscription matching `condition`."""
    owners = db.select(Item.customer_code).where(Item.deleted_at.is_(None), condition)
    return Customer.code.in_(owners)


def _with_item_among_others(condition):
    """`_with_item` for a condition ORed with the customer's own columns: the codes looked up
    in the primary key, a bitmap the trigram ones are ORed with (see the backend's note)."""
    owners = db.select(Item.customer_code).where(Item.deleted_at.is_(None), condition)
    return backend.in_subquery_among_others(Customer.code, owners)


def _whole_login(q, _phrase=False):
    """A whole RADIUS or SIP login, as `any` searches it (the start of one: field=login)."""
    term = q.strip().lower()
    if not _LOGIN.fullmatch(term):
        return None
    logins = or_(Item.kind == RADIUS_LOGIN, Item.kind == VOIP_TERMINAL)
    return _with_item_among_others(logins & (Item.username == term))


def _login(q, _phrase=False):
    term = q.strip().lower()
    if not _LOGIN.fullmatch(term):
        return None
    # Not IN (...): the planner's estimate renders the query with its values inline.
    logins = or_(Item.kind == RADIUS_LOGIN, Item.kind == VOIP_TERMINAL)
    return _with_item(logins & Item.username.like(f"{_escape(term)}%", escape="\\"))


def _domain(q, _phrase=False):
    term = q.strip().lower().removeprefix("@")
    if not _DOMAIN.fullmatch(term):
        return None
    return _with_item((Item.kind == EMAIL) & (Item.email_domain == term))


_CONDITIONS = {
    "name": _name,
    "code": _code,
    "document": _document,
    "email": _email,
    "phone": _phone,
    "city": _city,
    "address": _address,
    "login": _login,
    "domain": _domain,
}


def unusable_term_message(field: str) -> str:
    """What the 422 for a term `field` cannot search says: that field's rule (or every one)."""
    if field != "any":
        return f"A search by {field} needs {RULES[field]}."
    rules = "; ".join(f"{name}: {rule}" for name, rule in RULES.items())
    return f"No field can search this term. Each field needs: {rules}."


def _condition(q: str, field: str, phrase: bool = False):
    """The term's condition; `phrase` asks the words to stand together, as typed."""
    if field == "any":
        builders = [build for name, build in _CONDITIONS.items() if name not in _ITEM_FIELDS]
        parts = [c for c in (build(q, phrase) for build in builders) if c is not None]
        # A whole login (the unique index (kind, username) answers it), not the start of one:
        # a common start would match too many logins to be worth it for every term. It does
        # not make a term usable on its own (`jo` stays a 422; field=login takes it).
        login = _whole_login(q, phrase) if parts else None
        if login is not None:
            parts.append(login)
        condition = or_(*parts) if parts else None
    else:
        condition = _CONDITIONS[field](q, phrase)
    if condition is None:
        raise Invalid.field("q", unusable_term_message(field))
    return condition


def _order(sort: str) -> tuple:
    """The sort key; code breaks ties between equal names, so paging never skips a row."""
    return (Customer.search_name, Customer.code) if sort == "name" else (Customer.code,)


def _page(query, order: tuple, offset: int, per_page: int) -> list[Customer]:
    ordered = query.order_by(*order).limit(per_page).offset(offset)
    return list(db.session.scalars(ordered).all())


def _total_from_page(offset: int, found: int, per_page: int) -> int | None:
    """The total when the page shows it: a short page is the last one."""
    return offset + found if found < per_page and (found or not offset) else None


def _count(query) -> int:
    counted = query.with_only_columns(Customer.code).subquery()
    return db.session.scalar(db.select(db.func.count()).select_from(counted))


def _customers_on(on_page, order: tuple) -> list[Customer]:
    """The customers whose codes the subquery `on_page` picked, in `order`."""
    joined = db.select(Customer).join(on_page, Customer.code == on_page.c.code).order_by(*order)
    return list(db.session.scalars(joined).all())


def _page_and_count(query, order: tuple, offset: int, per_page: int) -> tuple[list[Customer], int]:
    """The page and the number of matches from one scan, for terms that match few rows.

    The matching rows' sort keys are read once (through the trigram index, materialised), then
    sorted for the page and counted. A window count over the ordered query would instead let
    the planner walk a whole ordered index to avoid the sort (measured: 700 ms at 1M customers).
    """
    matches = query.with_only_columns(*order).cte("matches").prefix_with("MATERIALIZED")
    keys = [matches.c[column.key] for column in order]
    on_page = (
        db.select(matches.c.code).order_by(*keys).limit(per_page).offset(offset).subquery("on_page")
    )
    total = db.select(db.func.count()).select_from(matches).scalar_subquery()
    rows = db.session.execute(
        db.select(Customer, total.label("total"))
        .join(on_page, Customer.code == on_page.c.code)
        .order_by(*order)
    ).all()
    if rows:
        return [row[0] for row in rows], rows[0].total
    return [], _count(query) if offset else 0


def _walk(query, order: tuple, budget: int | None, offset: int, per_page: int):
    """The page from walking an index in `order`, reading at most `budget` entries or rows.

    None when the page is not within them (a short last page too: one pass then counts it).
    The walk picks codes only, so a name search reads the name index alone (index-only scan),
    and the page's rows come afterwards. Without a budget the walk is one filtered index scan,
    about 10 % faster than counting the entries read.
    """
    if budget is None:
        codes = query.with_only_columns(Customer.code).order_by(*order)
        on_page = codes.limit(per_page).offset(offset).subquery("on_page")
    else:
        hit = query.whereclause if query.whereclause is not None else true()
        walked = (
            db.select(*order, hit.label("hit")).order_by(*order).limit(budget).subquery("walked")
        )
        keys = [walked.c[column.key] for column in order]
        on_page = (
            db.select(walked.c.code)
            .where(walked.c.hit)
            .order_by(*keys)
            .limit(per_page)
            .offset(offset)
            .subquery("on_page")
        )
    items = _customers_on(on_page, order)
    return items if len(items) == per_page else None


def _customers_in_statistics() -> int:
    """The planner's count of customers (pg_class.reltuples): a catalogue read, not a scan."""
    sql = text("SELECT reltuples::bigint FROM pg_class WHERE oid = 'customers'::regclass")
    return db.session.scalar(sql)


def _walk_budget(estimate: int, sort: str, covered: bool) -> int | None:
    """How far a walk may go: as far as reading every match once would cost (None: all of it)."""
    if sort == "name" and covered:
        budget = estimate * WALK_INDEX_ENTRIES_PER_MATCH
        return None if budget >= _customers_in_statistics() else budget
    return estimate * WALK_ROWS_PER_MATCH


def _at_most_one(q: str | None, field: str) -> bool:
    """A lookup by code or by a whole CPF/CNPJ: its page is the whole answer."""
    return q is not None and (
        field == "code" or (field == "document" and len(_compact(q)) in (11, 14))
    )


def _query(q: str | None, field: str, active: bool | None, phrase: bool = False):
    """The customers matching the term (None: everyone) and the active filter."""
    query = db.select(Customer)
    if q is not None:
        query = query.where(_condition(q, field, phrase))
    if active is not None:
        query = query.where(Customer.active == active)
    return query


def _estimate(query, q: str | None, field: str, active: bool | None) -> int:
    """The planner's estimate of the matches (a plan, not a scan).

    The planner takes the words of a term as independent, which undercounts words that go
    together ("jardim america" matched 30,050 customers, estimated 6,064); the words typed
    together as one phrase match fewer rows than all of them apart, so the larger estimate wins.
    """
    estimate = backend.estimated_count(query.with_only_columns(Customer.code))
    if q is not None and field in ("any", "name", "address") and len(_words(q)) > 1:
        phrase = _query(q, field, active, phrase=True).with_only_columns(Customer.code)
        estimate = max(estimate, backend.estimated_count(phrase))
    return estimate


def _search_by_estimate(
    query, q: str | None, field: str, active: bool | None, sort: str, offset: int, per_page: int
) -> tuple[list[Customer], int, bool]:
    """The planner's estimate picks the strategy: a walk for many matches, else one pass."""
    estimate = _estimate(query, q, field, active)
    order = _order(sort)
    items = None
    if estimate > ESTIMATE_ABOVE:
        # The name index holds every column a name term and the active filter read.
        covered = field == "name" or q is None
        budget = _walk_budget(estimate, sort, covered)
        items = _walk(query, order, budget, offset, per_page)
    if items is None:
        items, total = _page_and_count(query, order, offset, per_page)
        return items, total, True
    return items, max(estimate, offset + len(items)), False


def search_customers(
    q: str | None,
    field: str,
    active: bool | None,
    page: int,
    per_page: int,
    sort: str = "code",
) -> tuple[list[Customer], int, bool]:
    """One page of matching customers in `sort` order, the total, and whether it is exact."""
    offset = (page - 1) * per_page
    if offset + per_page > MAX_RESULTS:
        raise Invalid.field("page", f"Only the first {MAX_RESULTS} results can be paged through.")
    q = q if q is not None and q.strip() else None
    query = _query(q, field, active)
    if backend.has_server_features() and not _at_most_one(q, field):
        return _search_by_estimate(query, q, field, active, sort, offset, per_page)
    items = _page(query, _order(sort), offset, per_page)
    total = _total_from_page(offset, len(items), per_page)
    return items, _count(query) if total is None else total, True
