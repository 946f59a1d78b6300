"""How the C allocator hands memory back (found by scripts/soak.py).

Every PIN check runs scrypt, which takes 16 MiB (128 · r · n bytes) in a worker thread. glibc
serves a block that large with mmap and unmaps it when freed, but then raises its mmap
threshold to the block's size, so the next PIN check's 16 MiB comes from that thread's malloc
arena instead, and stays resident after it is freed (the trim threshold rose with it). A few
PIN checks from the thread pool's different threads left the add-on 40-65 MB larger for good.
A fixed threshold switches that adjustment off: large blocks are always mapped and returned.

glibc also gives each thread that allocates its own arena (up to 8 per core), and freed memory
scattered over several arenas is seldom returned. The add-on has the event loop, SQLite's
thread and a few worker threads, none of them allocating much: two arenas are plenty, and the
resident memory of a long soak then follows what the add-on holds."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_MMAP_THRESHOLD = -3  # glibc malloc.h
M_ARENA_MAX = -8
MMAP_THRESHOLD = 128 * 1024  # glibc's own starting value, kept fixed
ARENA_MAX = 2


def keep_large_blocks_mapped() -> bool:
    """Fix glibc's mmap threshold; False where there is no glibc mallopt (nothing to fix)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    mallopt(M_ARENA_MAX, ARENA_MAX)  # before the first worker thread makes an arena
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
