"""Housekeeping run by beat."""

import logging

from celery import shared_task

from models import auth, document_storage

log = logging.getLogger(__name__)


@shared_task(name="tasks.maintenance.purge_expired_tokens")
def purge_expired_tokens() -> int:
    """Delete expired and revoked login tokens and stale login-failure counters."""
    deleted = auth.purge_expired()
    log.info("purged %d expired or revoked tokens", deleted)
    return deleted


@shared_task(name="tasks.maintenance.purge_partial_documents")
def purge_partial_documents() -> int:
    """Delete document uploads a dead process left half-written (`.part` over a day old)."""
    removed = document_storage.purge_partial_files()
    log.info("purged %d partial document uploads", removed)
    return removed
