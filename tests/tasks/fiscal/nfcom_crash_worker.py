"""Worker entry point for the killed-worker test of NFCom issuing: the real app, which stops
for good once SEFAZ has answered an authorization and before that answer is committed, when
the file NFCOM_PAUSE_FILE exists. The test then kills it there."""

import os
import time
from pathlib import Path

from models.fiscal.sefaz_client import Sefaz
from tasks.worker import celery  # the real Celery app, configured from the environment

__all__ = ["celery"]
PAUSE = Path(os.environ["NFCOM_PAUSE_FILE"])
_authorize = Sefaz.authorize


def _authorize_then_stop(self, signed_nfcom_xml: bytes):
    answer = _authorize(self, signed_nfcom_xml)
    if PAUSE.exists():
        PAUSE.write_text(f"paused after {answer.status}")
        time.sleep(300)  # until the test kills us
    return answer


Sefaz.authorize = _authorize_then_stop
