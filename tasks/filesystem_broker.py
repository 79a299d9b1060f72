"""The embedded default's broker: Celery's filesystem transport, with each message written whole.

kombu's transport creates a message's file and then writes it; a worker polling meanwhile moves
the empty file away, reads nothing, and dies on the JSON (the message lost with it: seen in
the suite). Here a message is written under a name the reader skips and renamed into the queue
once complete (a rename is atomic), so a reader finds whole messages or none.
"""

import os
import uuid
from time import monotonic

from kombu import transport as kombu_transports
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Put `payload` onto `queue`: written aside, then renamed into the queue's folder."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + ".part"  # not `<queue>.msg`: no reader takes it
        try:
            with open(partial, "wb") as out:
                out.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


def install() -> None:
    """Make `filesystem://` mean this transport in this process (before any connection)."""
    TRANSPORT_ALIASES["filesystem"] = f"{__name__}:Transport"
    # kombu caches a name's class on first use: a connection made before this call (another
    # app in the same process) would otherwise keep the unsafe transport.
    kombu_transports._transport_cache.pop("filesystem", None)
