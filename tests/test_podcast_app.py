"""A podcast app subscribes to the feed and downloads the episode, byte for byte.

gPodder's own feed parser (podcastparser) reads feed.xml from a server on this
machine, as an app would after subscribing, and the enclosure it finds is
downloaded and compared with the episode digest wrote.
"""

import functools
import http.server
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import podcastparser
import pytest

from digest.store.show import read_show

from .test_show import invoke

REVIEW = Path(__file__).resolve().parents[1] / "examples" / "orbit-of-ash.txt"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test's output clean."""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on the loopback address, and its base URL."""
    folder = tmp_path / "site"
    folder.mkdir()
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:
        data: bytes = answer.read()
    return data


@pytest.mark.integration
def test_gpodders_parser_subscribes_and_downloads_the_episode(
    site: tuple[Path, str],
) -> None:
    folder, base = site
    built = invoke(
        "-q", "build", str(REVIEW), "-o", str(folder / "ep.mp3"), "-n", "2",
        "--date", "2026-11-21", "--track", "3", "--base-url", base,
    )  # fmt: skip
    assert built.exit_code == 0, built.stderr
    assert read_show(folder).base_url == base
    feed_url = base + "feed.xml"
    with urllib.request.urlopen(feed_url, timeout=10) as answer:
        parsed = podcastparser.parse(feed_url, answer)
    assert parsed["title"] == "Review Digest"
    (episode,) = parsed["episodes"]
    assert episode["title"] == "Orbit of Ash"
    assert episode["number"] == 3
    (enclosure,) = episode["enclosures"]
    assert enclosure["url"] == base + "ep.mp3"
    assert enclosure["mime_type"] == "audio/mpeg"
    data = _get(enclosure["url"])
    assert data == (folder / "ep.mp3").read_bytes()
    assert enclosure["file_size"] == len(data)
    assert episode["total_time"] > 10
