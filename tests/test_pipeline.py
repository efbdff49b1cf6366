"""The whole chain with the real engines: reviews in, a decodable MP3 out."""

import json
from datetime import date
from pathlib import Path

import defusedxml.ElementTree as SafeET
import feedparser
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from digest.config import build_settings
from digest.errors import EncodeError
from digest.media.engines import Engines, FfmpegInfo, preflight
from digest.models import LineKind
from digest.pipeline import build_episode

from .conftest import (
    EXAMPLES,
    FakeSynthesizer,
    decoded_seconds,
    long_silences,
    loudness,
    stream_info,
)
from .test_sidecars import check_caption_limits, vtt_captions

pytestmark = pytest.mark.integration


def _settings(out: Path, **extra: object):
    return build_settings(
        {"output": out, "episode_date": date(2026, 11, 21), **extra},
        env={},
    )


def _check_episode(result, out: Path) -> None:
    mix_seconds = result.episode.seconds
    spoken = sum(len(seg.lines) for seg in result.script.segments)
    assert spoken == len(result.script.lines)
    # Duration of the decoded MP3 equals clips + pauses (the mix) within 1 %.
    assert decoded_seconds(out) == pytest.approx(mix_seconds, rel=0.01)
    info = MP3(str(out)).info
    assert info.sample_rate == 44100
    assert info.channels == 1
    assert info.bitrate == 96000
    assert "44100 Hz, mono" in stream_info(out)
    # The mono loudness convention, by a second meter: -19 LUFS +-1, <= -1 dBTP.
    integrated, true_peak = loudness(out)
    assert -20.0 <= integrated <= -18.0
    assert true_peak <= -1.0
    assert result.episode.loudness_lufs == pytest.approx(integrated, abs=0.5)
    assert long_silences(out) == 0
    tags = ID3(str(out))
    assert tags.version[:2] == (2, 4)
    assert str(tags["TIT2"]) == result.episode.title
    assert str(tags["TPE1"]) == "digest"
    assert str(tags["TALB"]) == "Review Digest"
    assert str(tags["TDRC"]) == "2026-11-21"
    toc = tags.getall("CTOC")[0]
    chapters = {c.element_id: c for c in tags.getall("CHAP")}
    ordered = [chapters[child] for child in toc.child_element_ids]
    titles = [str(c.sub_frames["TIT2"]) for c in ordered]
    starts = [c.start_time for c in ordered]
    assert starts == sorted(starts)
    assert starts[0] == 0
    assert ordered[-1].end_time == pytest.approx(mix_seconds * 1000, abs=2)
    assert titles == [seg.title for seg in result.script.segments]
    assert titles[0] == "Intro"
    assert titles[-1] == "Outro"
    # the transcript cues travel with the episode, one per spoken line
    cues = result.episode.cues
    assert [(c.speaker, c.text) for c in cues] == [
        (line.speaker, line.text) for line in result.script.lines
    ]
    assert cues[-1].end_ms <= ordered[-1].end_time


def test_episode_from_shared_reviews(shared_reviews: Path, tmp_path: Path) -> None:
    out = tmp_path / "shared.mp3"
    result = build_episode([shared_reviews], _settings(out))
    _check_episode(result, out)
    assert result.episode.reviews == 2
    kinds = [line.kind for line in result.script.lines]
    assert kinds.count(LineKind.ANNOUNCE) == 2
    assert kinds[0] is LineKind.INTRO
    assert kinds[-1] is LineKind.OUTRO
    assert result.episode.seconds > 60
    # No caption or credit line is read out.
    spoken = " ".join(line.text for line in result.script.lines)
    assert "Robinette" not in spoken
    assert "trailer" not in spoken


def test_episode_from_examples(tmp_path: Path) -> None:
    out = tmp_path / "examples.mp3"
    result = build_episode([EXAMPLES], _settings(out, sentences=2))
    _check_episode(result, out)
    assert result.episode.reviews == len(list(EXAMPLES.glob("*.*")))
    announced = [
        line.text for line in result.script.lines if line.kind is LineKind.ANNOUNCE
    ]
    assert any("Salt and Honey" in text for text in announced)


def test_failed_encode_keeps_previous_episode(tmp_path: Path) -> None:
    out = tmp_path / "keep.mp3"
    out.write_bytes(b"previous episode")
    real = preflight()
    broken = Engines(real.espeak, FfmpegInfo("test", tmp_path / "no-ffmpeg", "0"))
    with pytest.raises(EncodeError, match="could not run ffmpeg"):
        build_episode(
            [EXAMPLES],
            _settings(out),
            synthesizer=FakeSynthesizer(),
            engines=broken,
        )
    assert out.read_bytes() == b"previous episode"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".mp3")) == [
        "keep.mp3"
    ]
    assert not list(tmp_path.glob(".keep.*"))


def test_episodes_of_one_date_publish_as_a_show(tmp_path: Path) -> None:
    """Two builds for one date, tracks 1 and 2: a feed podcast apps accept, with
    distinct titles and pubDates, itunes:episode, the show's own artwork, CHAP
    frames in time order matching the JSON chapters, caption-sized cues and no
    link leaving the folder; a rebuild gives the same bytes."""
    site = tmp_path / "site"
    for track in (1, 2):
        settings = _settings(
            site / f"ep{track}.mp3", sentences=2, track=track, season=1
        )
        result = build_episode([EXAMPLES], settings)
        assert result.episode.title == "Circuit Breakers, Orbit of Ash and 2 more"
    feed = (site / "feed.xml").read_bytes()
    parsed = feedparser.parse(feed)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.title for e in parsed.entries] == [
        f"Circuit Breakers, Orbit of Ash and 2 more (episode {n})" for n in (2, 1)
    ]
    assert [e.published for e in parsed.entries] == [
        "Sat, 21 Nov 2026 00:01:00 GMT",
        "Sat, 21 Nov 2026 00:00:00 GMT",
    ]
    assert parsed.feed.image.href.endswith("/show-cover.png")
    items = SafeET.fromstring(feed).iter("item")
    it = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
    assert [(i.findtext(f"{it}episode"), i.findtext(f"{it}season")) for i in items] == [
        ("2", "1"),
        ("1", "1"),
    ]
    mp3 = site / "ep1.mp3"
    stored = ID3(str(mp3)).getall("CHAP")
    starts = [c.start_time for c in stored]
    assert starts == sorted(starts)
    titles = [str(c.sub_frames["TIT2"]) for c in stored]
    assert (titles[0], titles[-1]) == ("Intro", "Outro")
    doc = json.loads(mp3.with_suffix(".chapters.json").read_text(encoding="utf-8"))
    assert [(c["title"], round(c["startTime"] * 1000)) for c in doc["chapters"]] == [
        (t, s) for t, s in zip(titles, starts, strict=True)
    ]
    check_caption_limits(vtt_captions(mp3.with_suffix(".vtt").read_text("utf-8")))
    for block in mp3.with_suffix(".srt").read_text("utf-8").strip().split("\n\n"):
        _, _, *rows = block.split("\n")
        assert 1 <= len(rows) <= 2, block
        assert all(len(row) <= 42 for row in rows), block
    for notes in (mp3.with_suffix(".md"), mp3.with_suffix(".html")):
        text = notes.read_text(encoding="utf-8")
        assert "../" not in text
        assert str(EXAMPLES) not in text
    md = mp3.with_suffix(".md").read_text(encoding="utf-8")
    assert md.split("\n")[2].startswith("This episode reads summaries of 4 reviews:")
    before = {p.name: p.read_bytes() for p in site.iterdir() if p.is_file()}
    build_episode(
        [EXAMPLES], _settings(mp3, sentences=2, track=1, season=1), force=True
    )
    after = {p.name: p.read_bytes() for p in site.iterdir() if p.is_file()}
    assert after == before
