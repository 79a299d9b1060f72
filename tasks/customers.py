"""Customer housekeeping run by beat: uploads a dead process left half-written."""

import logging

from celery import shared_task

from models.customers import document_storage

log = logging.getLogger(__name__)


@shared_task(name="tasks.maintenance.purge_partial_documents")
def purge_partial_documents() -> int:
    """Delete document uploads a dead process left half-written (`.part` over a day old)."""
    removed = document_storage.purge_partial_files()
    log.info("purged %d partial document uploads", removed)
    return removed
