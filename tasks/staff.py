"""Staff housekeeping run by beat: expired and revoked login tokens."""

import logging

from celery import shared_task

from models.staff import auth

log = logging.getLogger(__name__)


@shared_task(name="tasks.maintenance.purge_expired_tokens")
def purge_expired_tokens() -> int:
    """Delete expired and revoked login tokens and stale login-failure counters."""
    deleted = auth.purge_expired()
    log.info("purged %d expired or revoked tokens", deleted)
    return deleted
