"""radacct rows in bulk for export tests, as FreeRADIUS records them (a few per login a day)."""

from datetime import timedelta

from sqlalchemy import text

from models.clock import utcnow
from models.db import db
from models.service.radius import RadAcct
from tests.builders import build_customer, build_login, build_subscription

NAS = "10.9.0.1"


def customer_with_login(app, username: str = "maria.pppoe") -> int:
    """A customer with an internet subscription and one RADIUS login; returns its code."""
    code = build_customer(app)
    build_login(app, build_subscription(app, code), username)
    return code


def load_sessions(app, username: str, count: int, first_id: int = 0, days_ago: int = 3) -> None:
    """`count` closed sessions of `username`, 10 s apart, starting `days_ago` days ago.

    Session i downloads (i % 1000) * 7,000,000,019 bytes: 3,000 sessions pass 2^53 (and
    1,500,000 stay within SQLite's 64-bit sums). Every 50th has a
    termination cause a spreadsheet would run as a formula."""
    start = utcnow().replace(microsecond=0) - timedelta(days=days_ago)  # as FreeRADIUS: seconds
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(
                text(
                    "INSERT INTO radacct (acctsessionid, acctuniqueid, username, nasipaddress,"
                    " acctstarttime, acctstoptime, acctsessiontime, acctinputoctets,"
                    " acctoutputoctets, framedipaddress, callingstationid, acctterminatecause)"
                    " SELECT 's' || i, :user || '-' || i, :user, CAST(:nas AS inet),"
                    " CAST(:start AS timestamptz) + i * interval '10 s',"
                    " CAST(:start AS timestamptz) + i * interval '10 s' + interval '9 s',"
                    " 9, i * 1000, (i % 1000)::bigint * 7000000019, '100.64.0.7',"
                    " 'AA:BB:CC:00:00:01',"
                    " CASE WHEN i % 50 = 0 THEN '=HYPERLINK(1)' ELSE 'User-Request' END"
                    " FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS i"
                ),
                {
                    "user": username,
                    "nas": NAS,
                    "start": start,
                    "first": first_id,
                    "last": first_id + count - 1,
                },
            )
        else:
            rows = [
                {
                    "acctsessionid": f"s{i}",
                    "acctuniqueid": f"{username}-{i}",
                    "username": username,
                    "nasipaddress": NAS,
                    "acctstarttime": start + timedelta(seconds=10 * i),
                    "acctstoptime": start + timedelta(seconds=10 * i + 9),
                    "acctsessiontime": 9,
                    "acctinputoctets": i * 1000,
                    "acctoutputoctets": (i % 1000) * 7_000_000_019,
                    "framedipaddress": "100.64.0.7",
                    "callingstationid": "AA:BB:CC:00:00:01",
                    "acctterminatecause": "=HYPERLINK(1)" if i % 50 == 0 else "User-Request",
                }
                for i in range(first_id, first_id + count)
            ]
            db.session.execute(db.insert(RadAcct), rows)
        db.session.commit()
