"""The customers' document files: under DOCUMENTS_DIR, outside the code tree, server-named.

An upload is streamed into a `.part` file in the storage folder (size, SHA-256 and content type
worked out while writing), then renamed to a uuid4 name in a two-letter subfolder. Nothing the
client sends takes part in a path. A process that dies mid-upload leaves a `.part` file, which
`purge_partial_files` removes once it is a day old.
"""

import codecs
import hashlib
import logging
import os
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

import filetype

from models.customers.settings import CustomerSettings
from models.settings import current

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"
CHUNK_BYTES = 64 * 1024
# filetype reads the magic numbers in the first bytes of a file.
HEAD_BYTES = 8192
TEXT_TYPE, BINARY_TYPE = "text/plain", "application/octet-stream"
# A server name: 32 hex digits, under the subfolder of its first two.
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class Received:
    """An upload written to a `.part` file, with what was learnt while writing it."""

    part: Path
    size: int
    sha256: str
    content_type: str


def storage_dir() -> Path:
    """Where document files live (DOCUMENTS_DIR), created on demand."""
    folder = current(CustomerSettings).documents_dir
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def path_of(stored_name: str) -> Path:
    """The file of a server name ("ab/ab12..."); refuses anything but our own names."""
    shard, _, name = stored_name.partition("/")
    if len(name) != 32 or not set(name) <= _HEX or shard != name[:2]:
        raise ValueError(f"not a document storage name: {stored_name!r}")
    return storage_dir() / shard / name


def receive(stream: BinaryIO) -> Received:
    """Copy `stream` into a new `.part` file in the storage folder, hashing as it goes."""
    part = storage_dir() / f"{uuid.uuid4().hex}{PART_SUFFIX}"
    digest, size, head = hashlib.sha256(), 0, b""
    text = codecs.getincrementaldecoder("utf-8")()
    is_text = True
    try:
        with part.open("xb") as out:
            while chunk := stream.read(CHUNK_BYTES):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                is_text = is_text and _decodes(text, chunk)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    is_text = is_text and _decodes(text, b"", final=True) and size > 0
    return Received(part, size, digest.hexdigest(), detect_type(head, is_text))


def _decodes(decoder, chunk: bytes, final: bool = False) -> bool:
    """Whether the bytes so far are UTF-8 text (a NUL says binary, though UTF-8 allows it)."""
    try:
        return "\x00" not in decoder.decode(chunk, final=final)
    except UnicodeDecodeError:
        return False


def detect_type(head: bytes, is_text: bool) -> str:
    """The content type the bytes show; never the one the client claimed."""
    kind = filetype.guess(head) if head else None
    if kind is not None:
        return kind.mime
    return TEXT_TYPE if is_text else BINARY_TYPE


def place(received: Received) -> str:
    """Rename a received `.part` file to a new server name; return that name."""
    name = uuid.uuid4().hex
    stored_name = f"{name[:2]}/{name}"
    target = path_of(stored_name)
    target.parent.mkdir(exist_ok=True)
    os.replace(received.part, target)  # same folder tree, same file system: atomic
    return stored_name


def remove(stored_name: str) -> None:
    """Delete a stored file; one already gone is fine (a retried delete)."""
    try:
        path_of(stored_name).unlink(missing_ok=True)
    except OSError:
        log.exception("could not remove document file %s", stored_name)


def purge_partial_files(older_than: timedelta = timedelta(days=1)) -> int:
    """Remove `.part` files left by uploads that died; return how many went."""
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for part in storage_dir().glob(f"*{PART_SUFFIX}"):
        try:
            if part.stat().st_mtime < cutoff:
                part.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # its upload finished (or another purge took it) meanwhile
    return removed
