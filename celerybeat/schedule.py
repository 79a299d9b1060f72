"""What beat sends, and when. Every entry names a task by its dotted name.

Scheduled business actions (suspend/enable/cancel, notices) are rows in the database; beat only
runs short sweeps that claim due rows, so a lost message or a second beat never doubles an effect.
"""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "purge-expired-tokens": {
        "task": "tasks.maintenance.purge_expired_tokens",
        "schedule": crontab(minute=17),  # hourly
    },
}
