"""Process-level settings for actions that work on a whole workbook at once."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration of one action.

    A recalculation allocates tens of thousands of small, acyclic objects (lines, Decimals, cell
    values) and keeps them until it ends; the collector would walk them again and again for
    nothing (about a third of the time spent reading a 5,000-line devis). Reference counting
    still frees everything; the collector is restored as it was, even on error.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def allocator_kept() -> None:
    """Ask glibc's allocator to keep the memory a command frees, instead of giving it back at once.

    A recalculation builds a sheet's XML several times over (the part, its text, the patched text):
    buffers of megabytes, each freed as the next is made. By default glibc returns every buffer
    above 128 kB to the system and the next one is faulted in again, page by page, which took a
    sixth of a cash-flow recalculation (60 months × 40 sources). Kept, the pages are reused. The
    process is short and what it keeps goes back when it ends: up to 64 MB of padding and 128 MB
    freed at the top of the heap (a recalculation of 100,000 expense entries peaks 77 MB higher,
    at 420 MB, and is 15 % faster).
    Only glibc has these settings; elsewhere (macOS, Windows, musl) nothing changes.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (ImportError, OSError, AttributeError):
        return
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3  # glibc's malloc.h
    mallopt(m_mmap_threshold, 32 << 20)  # glibc's largest: buffers below it come from the heap, which is kept
    mallopt(m_top_pad, 64 << 20)
    mallopt(m_trim_threshold, 128 << 20)


@contextmanager
def rust_panic_report_muted() -> Iterator[None]:
    """Silence the process's standard error (file descriptor 2) for one call into a Rust library.

    calamine panics on a date cell it cannot convert (a number of 1e12 formatted as a date); the
    panic reaches Python as an exception that xlprod turns into a located message, but Rust's panic
    hook first prints its own report, a stack trace even, on the process's standard error, where a
    user would take it for a crash. Where standard error has no descriptor (Excel's embedded
    Python, pythonw), nothing is changed.
    """
    try:
        fd = sys.stderr.fileno()
        saved = os.dup(fd)
    except (AttributeError, OSError, ValueError):
        yield
        return
    try:
        sys.stderr.flush()
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, fd)
        finally:
            os.close(null)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
