"""Levelling: one unit of the mix → the same speech at the target loudness.

In: 16-bit mono PCM (one chapter of the episode) and a loudness goal. Out: the
PCM with one gain applied and its peaks held under a ceiling by a look-ahead
limiter, plus its EBU R128 gating blocks, so the episode's integrated loudness
can be computed from its units without measuring the whole episode again.

Everything here is numpy over one unit at a time (tens of seconds), done in
this process: no ffmpeg pass per gain guess. The pieces:

* **K-weighting** (ITU-R BS.1770-4): the two filters of the standard, their
  coefficients derived for the unit's sample rate from the analog prototypes,
  applied as their impulse response (cut after 100 ms, 200 dB down) by FFT
  blocks with overlap-save.
* **Gating blocks**: mean square of 400 ms blocks every 100 ms; integrated
  loudness gates them at -70 LUFS and then 10 LU under their mean.
* **Limiter**: each sample's needed gain reduction is held over ±2W and then
  smoothed by two moving averages of ±W. Any sample's smoothed gain is an average
  of held values that all include that sample's own reduction, so no output
  sample exceeds the ceiling, with no ffmpeg pass and no iteration.
* **Compressor** (:mod:`.dynamics`): a slow, gentle gain per tick, computed
  once from the unit's own level and applied before the limiter, so the limiter
  only catches what is left.
* **Gain**: a secant search on the limited signal's loudness (the limiter takes
  back part of any gain, so loudness grows slower than gain).
"""

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from digest.encode.dynamics import compressor_gain, peak_histogram

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Floats = NDArray[np.float64]
else:
    Floats = Any

# BS.1770-4 K-weighting: high shelf (head effects) then high pass (RLB curve),
# as analog prototypes (centre frequency Hz, Q, gain dB).
SHELF_HZ, SHELF_Q, SHELF_DB = 1681.974450955533, 0.7071752369554196, 3.999843853973347
SHELF_VB_EXP = 0.4996667741545416
HIGHPASS_HZ, HIGHPASS_Q = 38.13547087602444, 0.5003270373238773
BLOCK_S, STEP_S = 0.4, 0.1
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0
SILENT = -120.0  # the loudness reported for a unit with no block over the gate

# The limiter's ceiling sits below the -1 dBTP target because MP3 encoding adds
# overshoot that a sample-peak limiter cannot see (STACK_NOTES §6); measured up
# to 0.3 dB on espeak speech. Every dB lower puts more frames at the ceiling.
LIMIT_DB = -1.5
LIMIT_WINDOW_S = 0.010  # W: the limiter's ramps last 2W before and after a peak
GAIN_PASSES = 5
TOLERANCE_LU = 0.05
# Part of the unit cache keys: change it when the sound changes.
LIMITER_ID = "comp2-hold2w-box2-v3"


@dataclass(frozen=True, slots=True)
class Levelled:
    """A unit after levelling: its PCM and what the meter says about it."""

    pcm: bytes  # 16-bit little-endian mono
    gain_db: float
    # Mean squares of the K-weighted 400 ms blocks, every 100 ms (for gating).
    blocks: tuple[float, ...]
    loudness: float  # integrated, LUFS (SILENT if nothing passes the gate)
    peak_db: float  # sample peak, dBFS
    true_peak_db: float  # estimated inter-sample peak, dBTP
    # Active 10 ms frames counted by peak (see dynamics.peak_histogram).
    histogram: tuple[int, ...] = ()


def _np() -> Any:
    import numpy

    return numpy


def _biquads(rate: int) -> list[tuple[tuple[float, float, float], tuple[float, ...]]]:
    """The two K-weighting stages as (b, a) for ``rate``, by the bilinear transform."""
    k = math.tan(math.pi * SHELF_HZ / rate)
    vh = 10 ** (SHELF_DB / 20)
    vb = vh**SHELF_VB_EXP
    a0 = 1 + k / SHELF_Q + k * k
    shelf_b = ((vh + vb * k / SHELF_Q + k * k) / a0, 2 * (k * k - vh) / a0,
               (vh - vb * k / SHELF_Q + k * k) / a0)  # fmt: skip
    shelf_a = (1.0, 2 * (k * k - 1) / a0, (1 - k / SHELF_Q + k * k) / a0)
    k = math.tan(math.pi * HIGHPASS_HZ / rate)
    a0 = 1 + k / HIGHPASS_Q + k * k
    high_a = (1.0, 2 * (k * k - 1) / a0, (1 - k / HIGHPASS_Q + k * k) / a0)
    return [(shelf_b, shelf_a), ((1.0, -2.0, 1.0), high_a)]


# The K-weighting is applied as an FIR: its impulse response, computed once per
# rate, is cut after K_RESPONSE_S, by when the slowest part (the 38 Hz high
# pass, critically damped) has decayed by more than 200 dB.
K_RESPONSE_S = 0.1
BLOCKS_PER_TAPS = 4  # FFT block length, in multiples of the response's length


@functools.lru_cache(maxsize=4)
def _k_filter(rate: int) -> tuple[int, int, Any]:
    """The K-weighting at ``rate``: (taps, block, the response's rfft per block)."""
    np = _np()
    taps = 1 << max(4, math.ceil(math.log2(K_RESPONSE_S * rate)))
    block = BLOCKS_PER_TAPS * taps
    response = [1.0] + [0.0] * (taps - 1)
    for b, a in _biquads(rate):
        out, x1, x2, y1, y2 = [], 0.0, 0.0, 0.0, 0.0
        for x in response:
            y = b[0] * x + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2
            out.append(y)
            x1, x2, y1, y2 = x, x1, y, y1
        response = out
    spectrum = np.fft.rfft(np.asarray(response, dtype=np.float64), block)
    return taps, block, spectrum.astype(np.complex64)


def k_weighted(x: Floats, rate: int) -> Floats:
    """``x`` through the K-weighting filters (FFT blocks, overlap-save).

    Blocks of a few thousand samples stay in the processor's cache, which makes
    them some twice as fast as one transform of the whole unit.
    """
    np = _np()
    if len(x) == 0:
        return x
    taps, block, spectrum = _k_filter(rate)
    step = block - taps + 1  # new samples per block; the rest is history
    rows = -(-len(x) // step)
    padded = np.zeros((rows + 1) * step + taps - 1, dtype=x.dtype)
    padded[taps - 1 : taps - 1 + len(x)] = x
    view = np.lib.stride_tricks.as_strided(
        padded,
        shape=(rows, block),
        strides=(padded.strides[0] * step, padded.strides[0]),
        writeable=False,
    )
    spectra = np.fft.rfft(view, axis=1)
    spectra *= spectrum
    out: Floats = np.fft.irfft(spectra, block, axis=1)[:, taps - 1 :].ravel()
    return out[: len(x)]


def integrated(blocks: Any) -> float:
    """Gated integrated loudness (LUFS) of block mean squares (BS.1770-4)."""
    np = _np()
    powers = np.asarray(blocks, dtype=np.float64)
    if powers.size == 0:
        return SILENT
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10 * np.log10(powers)
    kept = powers[levels > ABSOLUTE_GATE]
    if kept.size == 0:
        return SILENT
    gate = -0.691 + 10 * math.log10(float(kept.mean())) + RELATIVE_GATE
    kept = powers[(levels > ABSOLUTE_GATE) & (levels > gate)]
    return -0.691 + 10 * math.log10(float(kept.mean()))


def _sliding_min(values: Floats, half: int) -> Floats:
    """Minimum over ``[i - half, i + half]`` for every i (van Herk / Gil-Werman)."""
    np = _np()
    if half <= 0:
        return values
    width = 2 * half + 1
    n = len(values)
    blocks = -(-(n + 2 * half) // width)
    padded = np.ones(blocks * width + width)
    padded[half : half + n] = values
    grid = padded.reshape(-1, width)
    forward = np.minimum.accumulate(grid, axis=1).ravel()
    backward = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    # Window [i, i + width - 1] in padded coordinates.
    j = np.arange(n)
    out: Floats = np.minimum(backward[j], forward[j + width - 1])
    return out


def _box(values: Floats, half: int) -> Floats:
    """Mean over ``[i - half, i + half]``, the edges padded with ones (no change)."""
    np = _np()
    padded = np.concatenate((np.ones(half), values, np.ones(half)))
    sums = np.concatenate(([0.0], np.cumsum(padded)))
    width = 2 * half + 1
    out: Floats = (sums[width:] - sums[:-width]) / width
    return out


def _tick(rate: int) -> int:
    """Samples per tick of the limiter's envelope: about 2 ms, dividing 100 ms."""
    step = round(STEP_S * rate)
    wanted = max(1, round(rate / 500))
    divisors = [d for d in range(1, step + 1) if step % d == 0]
    return min(divisors, key=lambda d: (abs(d - wanted), d))


@dataclass(frozen=True, slots=True)
class _Envelope:
    """A unit seen in ticks: each tick's peak and K-weighted energy."""

    tick: int
    peaks: Floats  # max |x| per tick
    energy: Floats  # sum of the K-weighted signal squared per tick
    samples: int
    power: Floats  # sum of the signal squared per tick (unweighted)


def _per_tick(values: Floats, tick: int, ticks: int, how: str) -> Floats:
    """``values`` reduced (max or sum) over each tick; the last may be partial."""
    np = _np()
    whole = len(values) // tick
    head = values[: whole * tick].reshape(whole, tick)
    out: Floats = np.zeros(ticks)
    if how == "max":
        out[:whole] = head.max(axis=1)
        if ticks > whole:
            out[whole] = values[whole * tick :].max()
    else:
        out[:whole] = head.sum(axis=1, dtype=np.float64)
        if ticks > whole:
            out[whole] = values[whole * tick :].sum(dtype=np.float64)
    return out


def _envelope(x: Floats, weighted: Floats, tick: int) -> _Envelope:
    np = _np()
    ticks = -(-len(x) // tick)
    scratch = np.abs(x)
    peaks = _per_tick(scratch, tick, ticks, "max")
    np.multiply(x, x, out=scratch)
    power = _per_tick(scratch, tick, ticks, "sum")
    np.multiply(weighted, weighted, out=scratch)
    energy = _per_tick(scratch, tick, ticks, "sum")
    return _Envelope(tick, peaks, energy, len(x), power)


def _with_between_peaks(env: _Envelope, x: Floats) -> _Envelope:
    """``env`` with the peaks halfway between samples added.

    The limiter must hold those under the ceiling too, or resampling and
    decoding bring them back: espeak's speech reaches the top of its band, so
    they can be a dB or more over the samples. The midpoints come from a short
    windowed-sinc interpolation; the limiter's margin covers what 2x misses.
    """
    np = _np()
    if len(x) <= 2 * PHASE_TAPS:
        return env
    between = _midpoints(x)
    np.abs(between, out=between)
    peaks = np.maximum(env.peaks, _per_tick(between, env.tick, len(env.peaks), "max"))
    return _Envelope(env.tick, peaks, env.energy, env.samples, env.power)


def _compressed(env: _Envelope, gain: Floats) -> _Envelope:
    """``env`` as it is after a gain per tick (slow enough to scale whole ticks)."""
    return _Envelope(
        env.tick, env.peaks * gain, env.energy * gain**2, env.samples, env.power
    )


def _curve(env: _Envelope, scale: float, ceiling: float, ramp: int) -> Floats:
    """The limiter's gain per tick at ``scale``.

    Each tick's needed reduction is held over ±(2·ramp + 1) ticks, then averaged
    twice over ±ramp: every average only mixes held values that include the
    tick's own need (and its neighbours', for the interpolation between ticks),
    so no sample can exceed the ceiling.
    """
    np = _np()
    need = np.minimum(1.0, ceiling / np.maximum(env.peaks * scale, 1e-12))
    if float(need.min()) >= 1.0:
        flat: Floats = np.ones(len(need))
        return flat
    held = _sliding_min(need, 2 * ramp + 1)
    out: Floats = np.minimum(_box(_box(held, ramp), ramp), 1.0)
    return out


def _blocks(env: _Envelope, curve: Floats, scale: float, rate: int) -> Floats:
    """Gating blocks of the limited unit, from the per-tick energies."""
    np = _np()
    block, step = round(BLOCK_S * rate), round(STEP_S * rate)
    if env.samples < block:
        none: Floats = np.zeros(0)
        return none
    per_block, per_step = block // env.tick, step // env.tick
    energy = env.energy * (curve * scale) ** 2
    sums = np.concatenate(([0.0], np.cumsum(energy)))
    starts = np.arange(0, (env.samples - block) // step + 1) * per_step
    powers: Floats = (sums[starts + per_block] - sums[starts]) / block
    return powers


def loudness(pcm: bytes, rate: int) -> float:
    """Integrated loudness (LUFS) of 16-bit mono ``pcm``, as it is."""
    np = _np()
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0
    env = _envelope(x, k_weighted(x, rate), _tick(rate))
    return integrated(_blocks(env, np.ones(len(env.peaks)), 1.0, rate))


APPLY_CHUNK = 1 << 18  # samples per step when applying the gain (bounded memory)


def _apply(x: Floats, curve: Floats, tick: int, scale: float, ceiling: float) -> Any:
    """``x`` times ``scale`` and the tick curve spread over the samples, as int16.

    Between tick centres the gain is interpolated linearly; no sample may exceed
    the ceiling whatever the interpolation does.
    """
    np = _np()
    samples = np.empty(len(x), dtype="<i2")
    centres = np.arange(len(curve)) * tick + (tick - 1) / 2
    for first in range(0, len(x), APPLY_CHUNK):
        part = x[first : first + APPLY_CHUNK] * scale
        fine = np.interp(np.arange(first, first + len(part)), centres, curve)
        need = np.minimum(1.0, ceiling / np.maximum(np.abs(part), 1e-12))
        part *= np.minimum(fine, need)
        samples[first : first + len(part)] = np.clip(
            np.round(part * 32768.0), -32768, 32767
        )
    return samples


def _tick_peak(env: _Envelope, curve: Floats, scale: float) -> float:
    """The limited unit's peak, samples and midpoints (dBTP, 2x oversampled)."""
    peak = float((env.peaks * curve).max()) * scale if len(curve) else 0.0
    return 20 * math.log10(peak) if peak > 0 else SILENT


def level(
    pcm: bytes, rate: int, goal_lufs: float, limit_db: float = LIMIT_DB
) -> Levelled:
    """Bring ``pcm`` to ``goal_lufs`` (limited at ``limit_db`` dBFS sample peak).

    The search runs on ticks of about 2 ms (peaks and K-weighted energy per
    tick); only the final gain curve is spread over the samples.
    """
    np = _np()
    # Single precision: a unit can run for minutes, and this halves its arrays.
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / np.float32(32768.0)
    ceiling = 10 ** (limit_db / 20)
    tick = _tick(rate)
    ramp = max(1, round(LIMIT_WINDOW_S * rate / tick))
    env = _envelope(x, k_weighted(x, rate), tick)
    flat = np.ones(len(env.peaks))
    start = integrated(_blocks(env, flat, 1.0, rate))
    env = _with_between_peaks(env, x)
    slow, gain = flat, 0.0
    if start > ABSOLUTE_GATE:
        slow = compressor_gain(env.power / tick, tick, rate, start)
        env = _compressed(env, slow)
        gain = goal_lufs - integrated(_blocks(env, flat, 1.0, rate))

    def loudness_at(gain_db: float) -> tuple[Floats, float]:
        scale = 10 ** (gain_db / 20)
        curve = _curve(env, scale, ceiling, ramp)
        return curve, integrated(_blocks(env, curve, scale, rate))

    curve, loud = loudness_at(gain)
    previous: tuple[float, float] | None = None
    slope = 1.0
    for _ in range(GAIN_PASSES):
        if start <= ABSOLUTE_GATE or abs(goal_lufs - loud) <= TOLERANCE_LU:
            break
        if previous is not None and abs(gain - previous[0]) > 1e-6:
            slope = min(1.0, max(0.2, (loud - previous[1]) / (gain - previous[0])))
        previous = (gain, loud)
        gain += (goal_lufs - loud) / slope
        curve, loud = loudness_at(gain)
    scale = 10 ** (gain / 20)
    samples = _apply(x, curve * slow, tick, scale, ceiling)
    blocks = _blocks(env, curve, scale, rate)
    peak = int(np.abs(samples.astype(np.int32)).max()) if len(samples) else 0
    return Levelled(
        pcm=samples.tobytes(),
        gain_db=gain,
        blocks=tuple(float(b) for b in blocks),
        loudness=integrated(blocks),
        peak_db=20 * math.log10(peak / 32768.0) if peak else SILENT,
        true_peak_db=_tick_peak(env, curve, scale),
        histogram=peak_histogram(samples, rate),
    )


PHASE_TAPS = 8  # per side, for the limiter's (whole-unit) interpolation


@functools.lru_cache(maxsize=1)
def _midpoint_taps() -> tuple[float, ...]:
    """Weights of x[i - PHASE_TAPS + 1] … x[i + PHASE_TAPS] giving x at i + 1/2."""
    np = _np()
    t = 0.5 - np.arange(-PHASE_TAPS + 1, PHASE_TAPS + 1)
    window = 0.5 + 0.5 * np.cos(np.pi * t / (PHASE_TAPS + 1))
    return tuple(float(c) for c in np.sinc(t) * window)


def _midpoints(x: Floats) -> Floats:
    """The windowed-sinc estimate of ``x`` halfway between each sample and the next.

    A sum of shifted copies: with so few taps, faster than a convolution.
    """
    np = _np()
    n = len(x)
    padded = np.zeros(n + 2 * PHASE_TAPS, dtype=x.dtype)
    padded[PHASE_TAPS : PHASE_TAPS + n] = x
    out: Floats = np.zeros(n, dtype=x.dtype)
    scratch = np.empty(n, dtype=x.dtype)
    for shift, tap in enumerate(_midpoint_taps(), start=1):
        np.multiply(padded[shift : shift + n], x.dtype.type(tap), out=scratch)
        out += scratch
    return out
