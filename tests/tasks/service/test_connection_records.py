"""Connection records kept a year (Marco Civil, art. 13), then deleted by the retention job:
never a record younger than the setting, never an open session, never a held customer's; on
PostgreSQL a month wholly past the period goes as a partition."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import text

from models.db import db
from models.service import connection_records
from models.service.connection_records import RecordsPolicy, RetentionTooShort
from models.service.radius import RadAcct
from models.service.subscriptions import Subscription
from tasks.service import create_radacct_partitions, purge_connection_records
from tests.builders import build_login, build_session, build_subscription
from web.config import ConfigError, load_settings

NOW = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)  # cutoff: 2029-06-15 12:00
MONTHS = [datetime(2029, month, 1, tzinfo=UTC) for month in (3, 4, 5, 6)]


def _months(app, backend) -> None:
    """The old months' partitions, as the partition task made them then (PostgreSQL)."""
    if backend == "postgresql":
        with app.app_context():
            for start in MONTHS:
                connection_records.create_partition(start)
            db.session.commit()


@pytest.fixture(autouse=True)
def _partitions_of_today(app, backend):
    """Months these tests drop (any empty month before the cutoff goes) are made again."""
    yield
    if backend == "postgresql":
        with app.app_context():
            connection_records.create_partitions_ahead()
            db.session.commit()


def _usernames(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(db.select(RadAcct.username)))


def _partitions(app) -> set[str]:
    with app.app_context():
        return set(connection_records._partitions())


def _purge(app) -> dict:
    with app.app_context(), time_machine.travel(NOW, tick=False):
        return purge_connection_records()


def _session(app, username, start, stop):
    build_session(app, username, start, stop)


def test_retention_keeps_the_period_open_sessions_and_held_customers(app, client, admin, backend):
    _months(app, backend)
    # A customer whose login was replaced: records under both names are theirs.
    subscription = build_subscription(app)
    old_login = build_login(app, subscription, "guardado.antigo")
    deleted = client.delete(
        f"/api/v1/subscriptions/{subscription}/items/{old_login}", headers=admin
    )
    assert deleted.status_code in (200, 204), deleted.json
    build_login(app, subscription, "guardado")
    with app.app_context():
        code = db.session.get(Subscription, subscription).customer_code

    day = timedelta(days=1)
    _session(
        app, "abril", datetime(2029, 4, 10, 10, tzinfo=UTC), datetime(2029, 4, 10, 11, tzinfo=UTC)
    )
    _session(app, "guardado", datetime(2029, 5, 2, tzinfo=UTC), datetime(2029, 5, 3, tzinfo=UTC))
    _session(
        app,
        "guardado.antigo",
        datetime(2029, 5, 1, tzinfo=UTC),
        datetime(2029, 5, 1, 2, tzinfo=UTC),
    )
    _session(app, "maio", datetime(2029, 5, 5, tzinfo=UTC), datetime(2029, 5, 5, 1, tzinfo=UTC))
    _session(app, "d366", NOW - 366 * day - timedelta(hours=1), NOW - 366 * day)
    _session(app, "d364", NOW - 366 * day, NOW - 364 * day)  # started before, ended after
    _session(app, "aberto", datetime(2029, 3, 1, tzinfo=UTC), None)  # never stopped: open
    _session(app, "recente", NOW - 10 * day, NOW - 9 * day)

    placed = client.post(
        f"/api/v1/customers/{code}/legal-holds",
        json={"reference": "Ofício 123/2030 - 1ª Vara Criminal", "reason": "Inquérito policial"},
        headers=admin,
    )
    assert placed.status_code == 201, placed.json
    assert placed.json["usernames"] == ["guardado", "guardado.antigo"]

    result = _purge(app)
    kept = ["aberto", "d364", "guardado", "guardado.antigo", "recente"]
    assert _usernames(app) == kept
    if backend == "postgresql":
        # April had only deletable rows: dropped whole. May holds the held customer's rows,
        # March an open session, June rows younger than the period: thinned or left.
        assert "radacct_y2029m04" in result["dropped"]
        assert {"radacct_y2029m03", "radacct_y2029m05", "radacct_y2029m06"}.isdisjoint(
            result["dropped"]
        )
        assert result["deleted"] == 2  # maio, d366
        partitions = _partitions(app)
        assert "radacct_y2029m04" not in partitions
        assert {"radacct_y2029m03", "radacct_y2029m05", "radacct_y2029m06"} <= partitions
    else:
        assert result == {"dropped": [], "deleted": 3}

    assert _purge(app) == {"dropped": [], "deleted": 0}  # nothing more is due

    # The order is lifted: the held records follow the period again.
    hold_id = placed.json["id"]
    lifted = client.post(
        f"/api/v1/legal-holds/{hold_id}/lift", json={"reason": "Processo arquivado"}, headers=admin
    )
    assert lifted.status_code == 200 and lifted.json["in_force"] is False
    result = _purge(app)
    assert _usernames(app) == ["aberto", "d364", "recente"]
    if backend == "postgresql":
        assert result == {"dropped": ["radacct_y2029m05"], "deleted": 0}  # whole, now
    else:
        assert result == {"dropped": [], "deleted": 2}


def test_a_record_364_days_old_survives_and_366_goes(app, backend):
    _months(app, backend)
    day = timedelta(days=1)
    _session(app, "d364", NOW - 364 * day - timedelta(hours=2), NOW - 364 * day)
    _session(app, "d366", NOW - 366 * day - timedelta(hours=2), NOW - 366 * day)
    _session(app, "d365-1s", NOW - 366 * day, NOW - 365 * day + timedelta(seconds=1))
    _purge(app)
    assert _usernames(app) == ["d364", "d365-1s"]


def test_a_longer_setting_keeps_longer(app, backend, override_settings):
    _months(app, backend)
    override_settings(RecordsPolicy, retention_days=400)
    _session(app, "d366", NOW - 366 * timedelta(days=1), NOW - 366 * timedelta(days=1))
    _session(app, "d401", NOW - 401 * timedelta(days=1), NOW - 401 * timedelta(days=1))
    _purge(app)
    assert _usernames(app) == ["d366"]


def test_a_retention_shorter_than_a_year_is_refused(settings):
    with pytest.raises(ConfigError, match=r"at least 365 days.*Marco Civil"):
        load_settings({"CONNECTION_RECORDS_RETENTION_DAYS": "364"})
    assert load_settings({}).records_retention_days == 365
    assert load_settings({"CONNECTION_RECORDS_RETENTION_DAYS": "730"}).records_policy() == (
        RecordsPolicy(retention_days=730)
    )
    with pytest.raises(RetentionTooShort):
        dataclasses.replace(settings.records_policy(), retention_days=30)


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "364.5"])
def test_a_malformed_retention_is_refused(raw):
    with pytest.raises(ConfigError, match="CONNECTION_RECORDS_RETENTION_DAYS"):
        load_settings({"CONNECTION_RECORDS_RETENTION_DAYS": raw})


def test_partitions_are_made_ahead_and_take_their_rows_from_the_default(app, backend):
    if backend != "postgresql":
        with app.app_context():
            assert create_radacct_partitions() == []  # SQLite: one plain table
        return
    with app.app_context():  # months no partition covers yet: rows wait in the default one
        for name in ("radacct_y2041m01", "radacct_y2041m02", "radacct_y2041m03"):
            db.session.execute(text(f"DROP TABLE IF EXISTS {name}"))
        db.session.commit()
    _session(app, "cedo", datetime(2041, 1, 20, tzinfo=UTC), datetime(2041, 1, 20, 1, tzinfo=UTC))
    with app.app_context():
        where = "SELECT tableoid::regclass::text FROM radacct WHERE username = 'cedo'"
        assert db.session.scalar(text(where)) == "radacct_default"
    with app.app_context(), time_machine.travel(datetime(2040, 11, 5, tzinfo=UTC), tick=False):
        made = create_radacct_partitions()
    # November 2040 and three months ahead (RADACCT_PARTITIONS_AHEAD).
    assert [m for m in made if m >= "radacct_y2041"] == ["radacct_y2041m01", "radacct_y2041m02"]
    assert {"radacct_y2040m11", "radacct_y2040m12"} <= _partitions(app)
    with app.app_context():
        assert db.session.scalar(text(where)) == "radacct_y2041m01"
    with app.app_context(), time_machine.travel(datetime(2040, 11, 5, tzinfo=UTC), tick=False):
        assert create_radacct_partitions() == []  # made once


def test_one_partition_maker_or_dropper_at_a_time(app, backend):
    """Two beats (or a run by hand) never make or drop partitions at once: the second waits."""
    if backend != "postgresql":
        with app.app_context():  # SQLite has no partitions and takes no lock
            assert connection_records.drop_expired_months(NOW, set()) == []
        return
    import threading

    with app.app_context():
        other = db.engine.connect()
    holder = other.begin()
    other.execute(text("SELECT pg_advisory_xact_lock(hashtext('radacct partitions'))"))
    done = threading.Event()

    def purge():
        purge_connection_records()
        done.set()

    worker = threading.Thread(target=purge)
    with time_machine.travel(NOW, tick=False):
        worker.start()
        assert not done.wait(1.0), "the retention ran while another held the partitions"
        holder.rollback()
        other.close()
        assert done.wait(30), "the retention never ran after the other let go"
    worker.join()
