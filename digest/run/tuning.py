"""Tuning this process for the encoders: glibc's heap and CPU affinity.

Both are measured wins on a two-core virtual machine (see each docstring);
elsewhere they do nothing.
"""

import contextlib
import ctypes
import functools
import os
import sys

# glibc's mallopt parameters and the values digest sets.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_FROM = 32 << 20  # blocks this large are mapped and unmapped on their own
HEAP_KEEP = 256 << 20  # free heap kept for reuse, up to this much


@functools.cache
def release_large_blocks() -> None:
    """Tune glibc's allocator for levelling: one arena, freed blocks reused.

    Levelling makes and drops arrays of megabytes per unit, on two threads.
    Left to its defaults, glibc gives each thread an arena of its own (which
    grew a long build's peak by a third), maps blocks of a megabyte or more
    separately and hands the heap's free top back once it passes a threshold;
    whatever is handed back is faulted in again, page by page, for the next
    unit. Handing back after every unit cost half a million page faults on a
    half-hour episode, a second and a half of system time. So: one arena, and
    a unit's arrays stay in it for the next one. The peak is still one unit's
    arrays; the heap just keeps it. Other C libraries are left alone.
    """
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None)
        if hasattr(libc, "mallopt"):
            libc.mallopt(M_ARENA_MAX, 1)
            libc.mallopt(M_MMAP_THRESHOLD, MMAP_FROM)
            libc.mallopt(M_TRIM_THRESHOLD, HEAP_KEEP)


def keep_on_one_core(slot: int) -> None:
    """Keep the calling thread, and the ffmpeg it starts, on one core of ours.

    ffmpeg runs each stream's demuxer, decoder, filters, encoder and muxer in
    threads that hand over every frame. Spread over cores, each hand-over wakes
    a thread on another core, which on a virtual machine costs about a third of
    the encoder's own time; kept on one core, the threads just take turns. Each
    encoder thread takes its own core (``slot`` counts them), so the encoders
    still run side by side. Affinity is per thread on Linux and a child
    inherits it; elsewhere, or with one core, nothing changes.
    """
    if not hasattr(os, "sched_setaffinity"):
        return
    with contextlib.suppress(OSError):
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) > 1:
            os.sched_setaffinity(0, {cores[slot % len(cores)]})
