"""The episode page in real headless Chromium: the <audio> player loads and plays.

The folder (MP3, sidecars, a probe page) is served over HTTP on 127.0.0.1 by a
threaded ``http.server``. The probe page opens the unmodified episode page in an
iframe, starts its <audio> element and POSTs what the browser reports back to
the server: readyState, duration, whether playback advanced, and how many cues
Chromium's own WebVTT parser read from the transcript track. No wall-clock
assertions: the test only waits (up to a generous limit) for that report.

Python's ``SimpleHTTPRequestHandler`` answers Range requests with the whole file
(200); Chromium still reads the duration and plays, so no Range support is needed
here (real hosts should support it: Apple requires byte-range requests).

Needs Debian's ``chromium`` (``apt-get install chromium``; ``.ci/run`` installs
it); skipped with that reason when it is absent.
"""

import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from digest.publish.sidecars import write_sidecars
from tests.conftest import decoded_seconds
from tests.golden import load_case
from tests.test_feed import make_mp3

pytestmark = pytest.mark.integration

REPORT_TIMEOUT_S = 90
PROBE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>probe</title></head><body>
<iframe id="page" src="episode.html" width="800" height="600"></iframe>
<script>
const frame = document.getElementById("page");
function report(data) {
  fetch("/report", {method: "POST", body: JSON.stringify(data)});
}
frame.addEventListener("load", () => {
  const doc = frame.contentDocument;
  const audios = doc.querySelectorAll("audio");
  const audio = audios[0];
  let played = false;
  audio.addEventListener("timeupdate", () => {
    if (audio.currentTime > 0) played = true;
  });
  audio.play().catch((err) => report({playError: String(err)}));
  (function poll() {
    const track = audio.textTracks.length ? audio.textTracks[0] : null;
    const cues = track && track.cues ? track.cues : null;
    const ready = audio.readyState >= 1 && isFinite(audio.duration);
    if ((ready && played && cues && cues.length) || audio.error) {
      report({
        audioElements: audios.length,
        controls: audio.controls,
        readyState: audio.readyState,
        duration: audio.duration,
        played: played,
        src: audio.currentSrc,
        error: audio.error ? audio.error.code : null,
        cues: cues ? cues.length : 0,
        firstCue: cues ? [cues[0].startTime, cues[0].endTime, cues[0].text] : null,
      });
    } else {
      setTimeout(poll, 50);
    }
  })();
});
</script>
</body></html>
"""


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip(
            "chromium is not installed (apt-get install chromium); .ci/run installs it"
        )
    return found


class _Server:
    """Serves a folder on 127.0.0.1 and collects the probe page's report."""

    def __init__(self, root: Path) -> None:
        self.report: dict[str, Any] = {}
        self.received = threading.Event()
        owner = self

        class Handler(SimpleHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", "0"))
                data = json.loads(self.rfile.read(length) or b"{}")
                if "playError" not in data or not owner.report:
                    owner.report = data
                self.send_response(204)
                self.end_headers()
                if "playError" not in data:
                    owner.received.set()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # keep pytest output clean

        handler = functools.partial(Handler, directory=str(root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The server's base URL."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def __enter__(self) -> "_Server":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def _browser(binary: str, url: str, profile: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Headless Chromium on ``url`` in its own process group, ended afterwards."""
    args = [
        binary,
        "--headless",
        "--no-sandbox",  # CI runs as root, where the sandbox cannot start
        "--disable-gpu",
        "--disable-quic",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--mute-audio",
        "--autoplay-policy=no-user-gesture-required",
        f"--user-data-dir={profile}",
        url,
    ]
    proc = subprocess.Popen(
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
        if proc.stderr is not None:
            proc.stderr.close()


def test_episode_page_plays_the_mp3(tmp_path: Path) -> None:
    """<audio> reaches readyState ≥ 1, has the MP3's duration and plays."""
    binary = _chromium()
    site = tmp_path / "site"
    mp3 = make_mp3(site / "episode.mp3", 4.25, title="Browser test")
    case = load_case("examples", tmp_path, mp3=mp3)
    files = write_sidecars(case.episode, case.script, case.summaries)
    (site / "probe.html").write_text(PROBE, encoding="utf-8")
    expected_seconds = decoded_seconds(mp3)

    with (
        _Server(site) as server,
        _browser(binary, server.url + "probe.html", tmp_path / "profile") as proc,
    ):
        got = server.received.wait(REPORT_TIMEOUT_S)
        exited = proc.poll()
    if not got:
        stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        pytest.fail(
            f"no report from Chromium within {REPORT_TIMEOUT_S} s "
            f"(exit status {exited}, partial report {server.report}): {stderr[-2000:]}"
        )
    report = server.report
    assert report["error"] is None, f"media error code {report['error']}"
    assert report["audioElements"] == 1
    assert report["controls"] is True
    assert report["src"] == server.url + "episode.mp3"
    assert report["readyState"] >= 1
    assert report["duration"] == pytest.approx(expected_seconds, abs=0.1)
    assert report["played"] is True
    # Chromium's WebVTT parser read every cue of the transcript track.
    vtt_cues = files.vtt.read_text(encoding="utf-8").count(" --> ")
    # Lines too long for one caption are cut into several cues.
    assert report["cues"] == vtt_cues >= len(case.episode.cues)
    start, end, text = report["firstCue"]
    first = case.episode.cues[0]
    # The first line's first caption: it starts with the line, ends within it.
    assert start == pytest.approx(first.start_ms / 1000)
    assert start < end <= first.end_ms / 1000 + 1e-6
    assert text.startswith("<v Host>Welcome to Review Digest.")
