"""Memory release: what an idle stop and the end of a LIST give back to the system."""

from __future__ import annotations

import ctypes
import gc


def release_memory() -> None:
    """Give the allocator's free memory back to the system (after a LIST's transient pages, after a stop):
    a collection, then glibc's ``malloc_trim`` where there is one."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is reused by the process instead
        pass
