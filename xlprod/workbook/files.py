"""Replacing a user's file safely: write beside it, flush to disk, then swap in one step.

A crash, a full disk or a kill during the write leaves the original untouched; the new file
keeps the original's permission bits.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_output(target: Path) -> Iterator[BinaryIO]:
    """A binary file to write ``target``'s new content into; it replaces ``target`` on success only."""
    with atomic_path(target) as tmp, tmp.open("wb") as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


def atomic_write_bytes(target: Path, data: bytes) -> Path:
    with atomic_output(target) as fh:
        fh.write(data)
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` for a writer that wants a file name (XlsxWriter); the
    finished file replaces ``target`` on success only."""
    fd, tmp_name = tempfile.mkstemp(prefix=".~xlprod-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if target.exists():
            shutil.copymode(target, tmp)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
