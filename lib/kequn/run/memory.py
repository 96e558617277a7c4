"""Handing freed memory back to the operating system between the steps of a run.

Memory a step has freed stays with its process: Arrow's allocator (mimalloc) and glibc's
malloc keep it for reuse. Measured on the 200k bench data: after intake the runner held 596 MiB,
175 MiB after ``give_back``; at 1M customers the runner kept ~750 MiB through every stage while
the kernel beside it ran them. Between stages the kernel frees a stage's tables the same way.
"""

from __future__ import annotations

import ctypes
import gc
import sys


def give_back() -> None:
    """Collect garbage, release Arrow's unused pool memory and trim glibc's heap (a no-op for
    what a platform lacks: no pyarrow imported, no glibc)."""
    gc.collect()
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
