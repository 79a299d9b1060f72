"""What beat sends, and when. Every entry names a task by its dotted name.

Scheduled business actions (suspend/enable/cancel, notices) are rows in the database; beat only
runs short sweeps that claim due rows, so a lost message or a second beat never doubles an effect.
"""

from celery.schedules import crontab


def beat_schedule(
    sweep_seconds: int, billing: dict | None = None, exports: dict | None = None
) -> dict:
    """The schedule; the scheduled-task sweep runs every `sweep_seconds` (a setting).

    Times of day (BILLING["billing_at"], ["auto_suspend_at"]) are in the ISP's zone: Celery's
    `timezone` is set to it. `exports` gives the export sweeps' intervals in seconds
    ("sweep_seconds", "purge_seconds"; EXPORTS_SWEEP_SECONDS and EXPORTS_PURGE_SECONDS).
    docs/OPERATIONS.md lists every entry (tests/tasks/test_beat.py holds the two together).
    """
    billing_hour, billing_minute = (billing or {}).get("billing_at", "02:00").split(":")
    suspend_hour, suspend_minute = (billing or {}).get("auto_suspend_at", "06:00").split(":")
    notices_hour, notices_minute = (billing or {}).get("notices_at", "08:00").split(":")
    return {
        **BEAT_SCHEDULE,
        "monthly-billing": {
            "task": "tasks.billing.run_monthly_billing",
            "schedule": crontab(hour=int(billing_hour), minute=int(billing_minute)),
        },
        "auto-suspension": {
            "task": "tasks.suspension.sweep_auto_suspension",
            "schedule": crontab(hour=int(suspend_hour), minute=int(suspend_minute)),
        },
        "notices": {
            "task": "tasks.notices.sweep_notices",
            "schedule": crontab(hour=int(notices_hour), minute=int(notices_minute)),
        },
        "sweep-scheduled-tasks": {
            "task": "tasks.plans.sweep_scheduled_tasks",
            "schedule": float(sweep_seconds),
        },
        **_export_sweeps(exports or {}),
        **_pix_sweeps(billing or {}),
    }


def _pix_sweeps(billing: dict) -> dict:
    """PIX charges planned and sent, and Pix Automático's recurrences and cobrs
    (PIX_CHARGES_SWEEP_SECONDS), and each PSP asked for the PIX received that a webhook may
    have missed (PIX_RECONCILE_SECONDS)."""
    return {
        "plan-pix-charges": {
            "task": "tasks.pix.plan_charges",
            "schedule": float(billing.get("pix_charges_seconds", 60)),
        },
        "plan-pix-automatic": {
            "task": "tasks.pix.plan_automatic",
            "schedule": float(billing.get("pix_charges_seconds", 60)),
        },
        "reconcile-pix": {
            "task": "tasks.pix.reconcile",
            "schedule": float(billing.get("pix_reconcile_seconds", 300)),
        },
        "resume-pix": {
            "task": "tasks.pix.resume",
            "schedule": 60.0,
        },
    }


def _export_sweeps(exports: dict) -> dict:
    """Stale or never-started export jobs back to workers (every minute); old files deleted
    (hourly)."""
    return {
        "recover-stale-exports": {
            "task": "tasks.exports.recover_stale_exports",
            "schedule": float(exports.get("sweep_seconds", 60)),
        },
        "purge-expired-exports": {
            "task": "tasks.exports.purge_expired_exports",
            "schedule": float(exports.get("purge_seconds", 3600)),
        },
    }


BEAT_SCHEDULE = {
    "purge-expired-tokens": {
        "task": "tasks.maintenance.purge_expired_tokens",
        "schedule": crontab(minute=17),  # hourly
    },
    "purge-partial-documents": {
        "task": "tasks.maintenance.purge_partial_documents",
        "schedule": crontab(minute=23),  # hourly
    },
    "retry-radius-disconnects": {
        "task": "tasks.radius.retry_disconnects",
        "schedule": 15.0,
    },
    "recover-notices": {
        "task": "tasks.mail.recover_notices",
        "schedule": 60.0,
    },
    "sweep-unbilled-sales": {
        "task": "tasks.equipment.sweep_unbilled_sales",
        "schedule": 60.0,
    },
    "resume-bank-files": {
        "task": "tasks.billing.resume_bank_files",
        "schedule": 60.0,
    },
    "nfcom": {
        "task": "tasks.fiscal.sweep",
        "schedule": 60.0,
    },
    "close-ghost-sessions": {
        "task": "tasks.radius.close_ghost_sessions",
        "schedule": crontab(minute="*/5"),
    },
    # Connection records (Marco Civil): partitions made months ahead, old records deleted.
    "create-radacct-partitions": {
        "task": "tasks.radius.create_radacct_partitions",
        "schedule": crontab(hour=1, minute=10),  # daily
    },
    "purge-connection-records": {
        "task": "tasks.radius.purge_connection_records",
        "schedule": crontab(hour=3, minute=40),  # daily
    },
}
