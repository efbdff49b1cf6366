"""The clip cache: hits skip the engine, damaged entries are never used."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from digest.config import VoiceProfile, build_settings
from digest.models import Line, LineKind
from digest.speak.cache import CachingSynthesizer, ClipCache, clip_key
from digest.store.layout import default_cache_dir

from .conftest import FakeSynthesizer

VOICE = VoiceProfile("narrator", rate=160, pitch=40)
LINE = Line(
    "narrator", "The harbour scenes are the best thing in it.", LineKind.SENTENCE, 0
)


def _synth(tmp_path: Path) -> tuple[CachingSynthesizer, FakeSynthesizer]:
    fake = FakeSynthesizer()
    return CachingSynthesizer(fake, ClipCache(tmp_path / "clips")), fake


def _entry(cached: CachingSynthesizer) -> tuple[Path, Path]:
    key = cached.key(LINE, VOICE)
    base = cached.cache.folder / key[:2] / key
    return base.with_suffix(".wav"), base.with_suffix(".json")


def test_second_request_is_a_hit_with_the_same_bytes(tmp_path: Path) -> None:
    cached, fake = _synth(tmp_path)
    first = cached.synthesize(LINE, VOICE, tmp_path / "a.wav")
    second = cached.synthesize(LINE, VOICE, tmp_path / "b.wav")
    assert fake.calls == [LINE.text]
    assert (cached.stats.hits, cached.stats.misses) == (1, 1)
    assert second.path.read_bytes() == first.path.read_bytes()
    assert (second.frames, second.sample_rate) == (first.frames, first.sample_rate)
    assert second.line == LINE


def test_key_covers_text_voice_and_engine() -> None:
    base = clip_key("Hello.", VOICE, "engine-1", "gmw/en-us")
    variants = [
        clip_key("Hello!", VOICE, "engine-1", "gmw/en-us"),
        clip_key("Hello.", replace(VOICE, rate=161), "engine-1", "gmw/en-us"),
        clip_key("Hello.", replace(VOICE, pitch=41), "engine-1", "gmw/en-us"),
        clip_key("Hello.", replace(VOICE, volume=0.8), "engine-1", "gmw/en-us"),
        clip_key("Hello.", replace(VOICE, voice="en-us+m3"), "engine-1", "gmw/en-us"),
        clip_key("Hello.", VOICE, "engine-2", "gmw/en-us"),
        clip_key("Hello.", VOICE, "engine-1", "gmw/en-us+m3"),
    ]
    assert len({base, *variants}) == len(variants) + 1
    # the pauses and the profile's name do not change the audio
    same = replace(VOICE, name="other", source=Path("x.toml"))
    assert clip_key("Hello.", same, "engine-1", "gmw/en-us") == base


def _damage_truncate(wav: Path, record: Path) -> None:
    wav.write_bytes(wav.read_bytes()[:100])


def _damage_flip(wav: Path, record: Path) -> None:
    data = bytearray(wav.read_bytes())
    data[len(data) // 2] ^= 0xFF
    wav.write_bytes(bytes(data))


def _damage_no_record(wav: Path, record: Path) -> None:
    record.unlink()


def _damage_record_mismatch(wav: Path, record: Path) -> None:
    meta = json.loads(record.read_text())
    meta["size"] += 1
    record.write_text(json.dumps(meta))


def _damage_record_garbage(wav: Path, record: Path) -> None:
    record.write_text("{not json")


def _damage_not_a_wav(wav: Path, record: Path) -> None:
    # Consistent record, but the bytes are no WAV: the header check catches it.
    import hashlib

    data = b"RIFF....WAVEjunk" * 10
    wav.write_bytes(data)
    meta = json.loads(record.read_text())
    meta.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
    record.write_text(json.dumps(meta))


@pytest.mark.parametrize(
    "damage",
    [
        _damage_truncate,
        _damage_flip,
        _damage_no_record,
        _damage_record_mismatch,
        _damage_record_garbage,
        _damage_not_a_wav,
    ],
)
def test_damaged_entry_is_removed_and_remade(tmp_path: Path, damage) -> None:
    cached, fake = _synth(tmp_path)
    good = cached.synthesize(LINE, VOICE, tmp_path / "a.wav").path.read_bytes()
    wav, record = _entry(cached)
    damage(wav, record)
    clip = cached.synthesize(LINE, VOICE, tmp_path / "b.wav")
    assert len(fake.calls) == 2  # made again, the damaged entry was not used
    assert cached.stats.hits == 0
    assert clip.frames > 0
    # the entry was re-made and is sound: the next request is a hit
    assert wav.read_bytes() == clip.path.read_bytes()
    cached.synthesize(LINE, VOICE, tmp_path / "c.wav")
    assert len(fake.calls) == 2
    assert cached.stats.hits == 1
    assert len(good) > 1000


def test_entries_are_written_atomically(tmp_path: Path) -> None:
    cached, _ = _synth(tmp_path)
    cached.synthesize(LINE, VOICE, tmp_path / "a.wav")
    wav, record = _entry(cached)
    assert sorted(p.name for p in wav.parent.iterdir()) == sorted(
        [wav.name, record.name]
    )  # no temporary files left behind
    meta = json.loads(record.read_text())
    assert meta["size"] == wav.stat().st_size


def test_a_new_clip_is_linked_into_the_cache_not_copied(tmp_path: Path) -> None:
    cached, _ = _synth(tmp_path)
    clip = cached.synthesize(LINE, VOICE, tmp_path / "a.wav")
    wav, _record = _entry(cached)
    assert wav.stat().st_ino == clip.path.stat().st_ino
    again = cached.synthesize(LINE, VOICE, tmp_path / "b.wav")
    assert again.path.read_bytes() == clip.path.read_bytes()
    assert again.path.stat().st_ino != wav.stat().st_ino  # a hit is a copy


def test_a_clip_on_another_disk_is_copied_into_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    def cross_device(src: object, dst: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", cross_device)
    cached, fake = _synth(tmp_path)
    clip = cached.synthesize(LINE, VOICE, tmp_path / "a.wav")
    wav, _record = _entry(cached)
    assert wav.stat().st_ino != clip.path.stat().st_ino
    assert sorted(p.name for p in wav.parent.iterdir()) == sorted(
        [wav.name, _record.name]
    )  # no link attempt left behind
    again = cached.synthesize(LINE, VOICE, tmp_path / "b.wav")
    assert fake.calls == [LINE.text]
    assert again.path.read_bytes() == clip.path.read_bytes()


def test_unwritable_cache_only_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    fake = FakeSynthesizer()
    cached = CachingSynthesizer(fake, ClipCache(blocker / "clips"))
    clip = cached.synthesize(LINE, VOICE, tmp_path / "a.wav")
    assert clip.frames > 0
    assert "clip cache: cannot write" in caplog.text


def test_cache_folder_settings(tmp_path: Path) -> None:
    assert default_cache_dir(Path("out/show.mp3")) == Path("out/.cache/clips")
    assert build_settings(env={}).cache_dir is None
    env = {"DIGEST_CACHE": str(tmp_path / "c")}
    assert build_settings(env=env).cache_dir == tmp_path / "c"
    flags = {"cache_dir": tmp_path / "flag"}
    assert build_settings(flags, env=env).cache_dir == tmp_path / "flag"
    assert build_settings({"use_cache": False}, env={}).use_cache is False


# --- the summary cache ------------------------------------------------------------

REVIEW_TEXT = (
    "The harbour scenes are the best thing in it. The second act drags. "
    "Its lead is patient and warm. The ending lands with real force."
)


def _counting_pick(calls: list[str]):
    from digest.models import ReviewFacts

    def pick(text: str, sentences: int, budget: int | None):
        calls.append(text)
        chosen = text.split(". ")[:sentences]
        return chosen, list(range(len(chosen))), ReviewFacts(rating="4/5", lines=("x",))

    return pick


def test_summaries_are_made_once_and_tools_load_only_for_a_miss(tmp_path: Path) -> None:
    from digest.summarize.cache import SummaryCache

    calls: list[str] = []
    loads: list[int] = []

    def make():
        loads.append(1)
        return _counting_pick(calls)

    first = SummaryCache(tmp_path / "s", "data-a").pick(make)
    made = first(REVIEW_TEXT, 2, None)
    assert first(REVIEW_TEXT, 2, None) == made
    assert (len(calls), len(loads)) == (1, 1)
    again = SummaryCache(tmp_path / "s", "data-a")
    assert again.pick(make)(REVIEW_TEXT, 2, None) == made
    assert (len(calls), len(loads), again.hits, again.misses) == (1, 1, 1, 0)
    # Anything that could change the summary is part of the key.
    for other in (
        SummaryCache(tmp_path / "s", "data-b").pick(make)(REVIEW_TEXT, 2, None),
        SummaryCache(tmp_path / "s", "data-a").pick(make)(REVIEW_TEXT, 3, None),
        SummaryCache(tmp_path / "s", "data-a").pick(make)(REVIEW_TEXT, 2, 12),
        SummaryCache(tmp_path / "s", "data-a").pick(make)(
            REVIEW_TEXT + " Yes.", 2, None
        ),
    ):
        assert other is not None
    assert len(calls) == 5


def test_a_damaged_summary_is_made_again(tmp_path: Path) -> None:
    from digest.summarize.cache import SummaryCache

    calls: list[str] = []
    cache = SummaryCache(tmp_path / "s", "data-a")
    made = cache.pick(lambda: _counting_pick(calls))(REVIEW_TEXT, 2, None)
    (entry,) = (tmp_path / "s").rglob("*.summary")
    entry.write_text('{"sentences": ["forged"]}')
    again = SummaryCache(tmp_path / "s", "data-a")
    assert again.pick(lambda: _counting_pick(calls))(REVIEW_TEXT, 2, None) == made
    assert (len(calls), again.misses) == (2, 1)
