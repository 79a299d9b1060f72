"""The embedded broker writes a message aside and renames it into the queue once whole, so a
worker polling the folder never takes a half-written (empty) message."""

import os

from kombu import Connection
from kombu.transport import get_transport_cls

from tasks import filesystem_broker


def test_a_message_reaches_the_queue_only_whole(tmp_path, monkeypatch):
    get_transport_cls("filesystem")  # a connection made earlier in the process (as in the suite)
    filesystem_broker.install()
    folder = tmp_path / "queue"
    folder.mkdir()
    seen_before_rename = []
    real_replace = os.replace

    def replace(source, target):
        seen_before_rename.append(sorted(os.listdir(folder)))
        assert os.path.getsize(source) > 0
        real_replace(source, target)

    monkeypatch.setattr(filesystem_broker.os, "replace", replace)
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    options["control_folder"] = str(tmp_path / "control")
    with Connection("filesystem://", transport_options=options) as connection:
        assert isinstance(connection.transport, filesystem_broker.Transport)
        queue = connection.SimpleQueue("q")
        queue.put({"n": 1})
        assert [name.endswith(".q.msg.part") for name in seen_before_rename[0]] == [True]
        assert queue.get(timeout=1).payload == {"n": 1}
        queue.close()
