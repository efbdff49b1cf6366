"""Dynamics: the slow compressor before the limiter, and how squashed a unit is.

In: a unit's level in ticks of about 2 ms (:mod:`.level` measures it) and, once
levelled, its 16-bit PCM. Out: the compressor's gain per tick, and a histogram
of the peaks of the unit's active 10 ms frames, from which the episode's *share
of active frames near the peak* is computed without decoding anything again.

Why a compressor: espeak's syllable peaks sit about 20 dB above its loudness,
so a limiter alone reaching the loudness target flattens every stressed
syllable against the ceiling (issue 17: 15 % of active frames within 1 dB of
the peak, where plain espeak has 0.6 %). A gentle compressor (2:1 over a wide
knee, 10 ms attack, 150 ms release) lowers the loudest syllables a few dB,
slowly enough to keep each syllable's shape, and leaves the limiter less to do.

Share near the peak: the unit's PCM in 10 ms frames; a frame is *active* when
its RMS is over ``ACTIVE_DB`` (espeak leaves true zeros between words); the
share is the fraction of active frames whose sample peak is within 1 dB of the
file's sample peak. Each unit keeps the histogram of its active frames' peaks
(0.1 dB bins below full scale), so cached units still count.
"""

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Floats = NDArray[np.float64]
else:
    Floats = Any

# The compressor, relative to the unit's own integrated loudness (so the same
# speech is shaped the same at any target).
THRESHOLD_LU = -3.0  # the knee's centre, relative to the unit's loudness
RATIO = 2.0
KNEE_DB = 10.0
DETECT_S = 0.010  # RMS detector window, either side
# Measured on the shared reviews and the examples at -19 LUFS: 10/150 ms left
# 2-3 % of frames near the peak, 25/300 ms 4 %, no compressor 4-5 %.
ATTACK_S = 0.010
RELEASE_S = 0.150

FRAME_S = 0.010
ACTIVE_DB = -50.0  # frame RMS over this (dBFS) counts as speech
BIN_DB = 0.1
LOWEST_DB = -60.0  # peaks below this share the last bin
NEAR_DB = 1.0


def _np() -> Any:
    import numpy

    return numpy


def _reduction_db(level_db: Floats) -> Floats:
    """The static curve: dB of gain reduction for each detector level (soft knee)."""
    np = _np()
    over = level_db
    slope = 1.0 - 1.0 / RATIO
    half = KNEE_DB / 2
    inside = slope * (over + half) ** 2 / (2 * KNEE_DB)
    out: Floats = np.where(
        over <= -half, 0.0, np.where(over >= half, slope * over, inside)
    )
    return out


def _smoothed(target: Floats, tick_s: float) -> Floats:
    """Gain reduction following ``target``: fast to rise (attack), slow to fall.

    A plain loop over ticks (some 500 a second of audio), in Python floats, so
    the same input gives the same gains on any machine.
    """
    np = _np()
    attack = math.exp(-tick_s / ATTACK_S)
    release = math.exp(-tick_s / RELEASE_S)
    out = np.empty(len(target))
    state = 0.0
    for i, want in enumerate(target.tolist()):
        coeff = attack if want > state else release
        state = want + coeff * (state - want)
        out[i] = state
    result: Floats = out
    return result


def compressor_gain(
    power: Floats, tick: int, rate: int, loudness_lufs: float
) -> Floats:
    """The compressor's linear gain per tick, from each tick's mean square.

    ``power`` is the unweighted mean square of each tick; ``loudness_lufs`` the
    unit's integrated loudness before any gain (the threshold follows it).
    """
    np = _np()
    if len(power) == 0:
        none: Floats = np.ones(0)
        return none
    half = max(1, round(DETECT_S * rate / tick))
    padded = np.concatenate((np.zeros(half), power, np.zeros(half)))
    sums = np.concatenate(([0.0], np.cumsum(padded)))
    mean = (sums[2 * half + 1 :] - sums[: -2 * half - 1]) / (2 * half + 1)
    with np.errstate(divide="ignore"):
        level_db = 10 * np.log10(np.maximum(mean, 1e-12))
    target = _reduction_db(level_db - (loudness_lufs + THRESHOLD_LU))
    gain: Floats = 10 ** (-_smoothed(target, tick / rate) / 20)
    return gain


def peak_histogram(samples: Any, rate: int) -> tuple[int, ...]:
    """Active 10 ms frames of int16 ``samples`` counted by peak, in 0.1 dB bins.

    Bin i holds the frames whose peak lies i to i + 1 tenths of a dB below full
    scale; trailing empty bins are dropped.
    """
    np = _np()
    size = max(1, round(FRAME_S * rate))
    whole = len(samples) // size
    if whole == 0:
        return ()
    frames = samples[: whole * size].reshape(whole, size).astype(np.float64) / 32768
    power = np.einsum("ij,ij->i", frames, frames) / size
    active = power > 10 ** (ACTIVE_DB / 10)
    peaks = np.abs(frames[active]).max(axis=1)
    if peaks.size == 0:
        return ()
    below = -20 * np.log10(np.maximum(peaks, 1e-9))
    bins = np.minimum(np.floor(below / BIN_DB), round(-LOWEST_DB / BIN_DB))
    counts = np.bincount(bins.astype(np.int64))
    return tuple(int(c) for c in counts)


def near_peak_share(histograms: Iterable[Sequence[int]]) -> float:
    """Share of all active frames within 1 dB of the loudest frame's peak.

    The histograms of several units add up bin by bin; the peak is the top
    non-empty bin, so the share is exact to a bin (0.1 dB).
    """
    totals: list[int] = []
    for histogram in histograms:
        if len(histogram) > len(totals):
            totals.extend([0] * (len(histogram) - len(totals)))
        for i, count in enumerate(histogram):
            totals[i] += count
    active = sum(totals)
    if active == 0:
        return 0.0
    top = next(i for i, count in enumerate(totals) if count)
    near = sum(totals[top : top + round(NEAR_DB / BIN_DB)])
    return near / active
