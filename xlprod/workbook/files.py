"""Replacing a user's file safely: write beside it, flush to disk, then swap in one step.

A crash, a full disk or a kill during the write leaves the original untouched. The new file
keeps the original's permission bits, group and extended attributes; a symbolic link is kept
and its target updated. Temporary files carry the writer's process id, so that the next run in
the folder removes those a killed run left behind.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from xlprod.core.location import Location
from xlprod.workbook.errors import WorkbookError

TEMP_PREFIX = ".~xlprod-"
_TEMP_NAME = re.compile(r"^\.~xlprod-(?:(\d+)-)?")
STALE_AFTER = 24 * 3600  # seconds: a temporary file this old is stale whoever wrote it (another machine)


@contextmanager
def atomic_output(target: Path, before_replace: Callable[[], None] | None = None) -> Iterator[BinaryIO]:
    """A binary file to write ``target``'s new content into; it replaces ``target`` on success only."""
    with atomic_path(target, before_replace) as tmp, tmp.open("wb") as fh:
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
def atomic_path(target: Path, before_replace: Callable[[], None] | None = None) -> Iterator[Path]:
    """A temporary path beside ``target`` for a writer that wants a file name (XlsxWriter); the
    finished file replaces ``target`` on success only. ``before_replace`` may still refuse."""
    real = Path(os.path.realpath(target))  # a link stays a link: its target is what gets replaced
    remove_stale_temporaries(real.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=real.suffix, dir=real.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if real.exists():
            _copy_metadata(real, tmp)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        if before_replace is not None:
            before_replace()
        os.replace(tmp, real)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _copy_metadata(source: Path, dest: Path) -> None:
    """Mode, group and extended attributes (tags, quarantine, ACL) of the file being replaced."""
    shutil.copymode(source, dest)
    st = source.stat()
    with suppress(OSError):  # allowed only for a group the user belongs to
        os.chown(dest, -1, st.st_gid)
    if hasattr(os, "listxattr"):
        with suppress(OSError):
            for name in os.listxattr(source):
                with suppress(OSError):
                    os.setxattr(dest, name, os.getxattr(source, name))


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete temporary files left by an interrupted xlprod run in ``folder``: those of a process
    that no longer exists, and any older than a day."""
    removed: list[Path] = []
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(TEMP_PREFIX)]
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = _TEMP_NAME.match(entry.name)
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
            pid = int(m.group(1)) if m and m.group(1) else None
            if age > STALE_AFTER or (pid is not None and pid != os.getpid() and not _alive(pid) and age > 5):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def check_replaceable(target: Path, where: Location) -> None:
    """Refuse, before any work, to replace a file the user protected or does not own."""
    real = Path(os.path.realpath(target))
    folder = real.parent
    if real.exists():
        st = real.stat()
        if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
            raise WorkbookError(where, "le fichier appartient à un autre utilisateur : le remplacer en changerait "
                                       "le propriétaire",
                                "Faites le recalcul depuis le compte propriétaire du fichier, ou copiez le fichier "
                                "et recalculez la copie.")
        if st.st_nlink > 1:
            raise WorkbookError(where, f"le fichier a {st.st_nlink} noms (liens physiques) : le remplacer les "
                                       "séparerait, les autres noms garderaient l'ancienne version",
                                "Faites une copie simple du classeur et recalculez la copie.")
        if not st.st_mode & stat.S_IWUSR or not os.access(real, os.W_OK):
            raise WorkbookError(where, "le fichier est en lecture seule",
                                "Retirez l'attribut lecture seule (Propriétés du fichier) si vous voulez le mettre à "
                                "jour, ou utilisez « xlprod check » qui ne modifie rien.")
    try:
        dst = folder.stat()
    except OSError as exc:
        raise WorkbookError(where, f"dossier inaccessible ({exc.strerror or exc})",
                            "Vérifiez que le dossier existe et que vous y avez accès.") from exc
    if not os.access(folder, os.W_OK | os.X_OK) or not dst.st_mode & 0o222:
        raise WorkbookError(where, f"le dossier {folder} est en lecture seule : le classeur ne peut pas y être "
                                   "remplacé sans risque",
                            "Copiez le classeur dans un dossier où vous pouvez écrire, ou utilisez « xlprod check ».")


def lock_files(path: Path) -> list[Path]:
    """Owner files that Excel (``~$name``) and LibreOffice (``.~lock.name#``) keep beside an open file."""
    name = path.name
    candidates = [f"~${name}", f".~lock.{name}#"]
    if len(name) > 2:
        candidates.append(f"~${name[2:]}")
    return [path.with_name(c) for c in candidates if path.with_name(c).exists()]


DEMO_MANIFEST = ".xlprod-demo.json"  # beside the demo files: the fingerprint of each as xlprod wrote it


_STAMP = re.compile("\\d{2}/\\d{2}/\\d{4} à \\d{2}:\\d{2}".encode())  # « recalculé le 29/11/2026 à 16:43 »


def _fingerprint(path: Path) -> str:
    """What a user may have changed in the file: every part's content, without the time of the
    last recalculation (``xlprod recalc`` on an untouched demo file changes nothing else)."""
    import hashlib
    import zipfile

    digest = hashlib.sha256()
    try:
        with zipfile.ZipFile(path) as zf:
            if sum(i.file_size for i in zf.infolist()) > 1_000_000_000:
                return "trop gros pour être la démonstration"
            for info in sorted(zf.infolist(), key=lambda i: i.filename):
                digest.update(info.filename.encode() + b"\0" + _STAMP.sub(b"", zf.read(info)) + b"\0")
    except (zipfile.BadZipFile, OSError, ValueError):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def check_demo_target(path: Path) -> None:
    """``xlprod demo`` rebuilds its files, never one the user has opened or changed since."""
    if not path.exists():
        return
    where = Location(book=path.name)
    locks = lock_files(path)
    if locks:
        raise WorkbookError(where, f"le classeur de démonstration est ouvert dans un tableur ({locks[0].name}) : "
                                   "il n'est pas reconstruit",
                            "Fermez-le puis relancez « xlprod demo », ou choisissez un autre dossier avec --out.")
    import json

    try:
        known = json.loads((path.parent / DEMO_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    try:
        same = isinstance(known, dict) and known.get(path.name) == _fingerprint(path)
    except OSError:
        same = False
    if not same:
        raise WorkbookError(where, "ce classeur a été modifié depuis sa création par « xlprod demo » : il est "
                                   "conservé tel quel",
                            f"Pour repartir de la démonstration, renommez ou déplacez {path.name}, ou choisissez un "
                            "autre dossier avec --out.")


def record_demo_file(path: Path) -> None:
    import json

    manifest = path.parent / DEMO_MANIFEST
    try:
        known = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict):
        known = {}
    known[path.name] = _fingerprint(path)
    atomic_write_bytes(manifest, json.dumps(known, indent=1, sort_keys=True).encode())
