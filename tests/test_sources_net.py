"""URL input against a loopback HTTP server: feeds, pages, text, and every way a
download can fail (timeout, slow drip, size cap, HTTP errors, bad redirects)."""

import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from digest.errors import ExitCode, InputError, NetworkError
from digest.ingest.reader import IngestOptions, ingest

INPUTS = Path(__file__).parent / "fixtures" / "inputs"
TEXT = (
    b"Fog Line\n\nA moody little thriller set on a ferry, tense from the first scene."
)


class _Handler(BaseHTTPRequestHandler):
    """Routes for the tests; records every path it was asked for."""

    seen: list[str]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Keep the test output clean."""

    def _send(self, body: bytes, content_type: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first, as the timeout tests intend

    def _route(self) -> None:
        self.seen.append(self.path)
        port = self.server.server_address[1]
        routes = {
            "/feed.xml": (
                (INPUTS / "film-club.rss").read_bytes(),
                "application/rss+xml",
            ),
            "/atom": ((INPUTS / "festival-notes.atom").read_bytes(), "text/xml"),
            "/page": ((INPUTS / "paper-moons.html").read_bytes(), "text/html"),
            "/text": (TEXT, "text/plain; charset=utf-8"),
            "/json": ((INPUTS / "reviews.json").read_bytes(), "application/json"),
            "/bomb": (
                (INPUTS / "hostile" / "billion-laughs.xml").read_bytes(),
                "application/rss+xml",
            ),
            "/nav": (
                b"<html><body><nav><a href='/'>Home</a></nav></body></html>",
                "text/html",
            ),
            "/latin1": (
                b"<html><head><meta charset='iso-8859-1'></head><body><article>"
                + "<p>Un film d'une rare délicatesse, tourné en hiver, "
                "plein de lumière et de pudeur, qu'on n'oublie pas.</p>".encode(
                    "latin-1"
                )
                + b"</article></body></html>",
                "text/html",
            ),
            "/external-dtd": (
                b'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM '
                + f'"http://127.0.0.1:{port}/dtd">'.encode()
                + b'<rss version="2.0"><channel><title>T</title><item><title>A</title>'
                b"<description>A review in a feed that names an external DTD, "
                b"which must never be fetched.</description></item></channel></rss>",
                "application/rss+xml",
            ),
        }
        if self.path in routes:
            self._send(*routes[self.path])
        elif self.path == "/missing":
            self._send(b"not here", "text/plain", 404)
        elif self.path == "/broken":
            self._send(b"oops", "text/plain", 500)
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/page")
            self.end_headers()
        elif self.path == "/redirect-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
        elif self.path == "/slow":
            time.sleep(2)
            self._send(TEXT, "text/plain")
        elif self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"a ")
                self.wfile.flush()
                time.sleep(0.1)
        elif self.path == "/big-declared":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(50 << 20))
            self.end_headers()
        elif self.path == "/big-stream":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            chunk = b"word " * 4096
            for _ in range(200):
                self.wfile.write(chunk)
        else:
            self._send(b"no route", "text/plain", 404)


def _serve(base: type[_Handler]) -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server with ``base``'s routes: (base URL, paths requested)."""
    seen: list[str] = []
    handler = type("Handler", (base,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server for one test: (base URL, paths requested)."""
    yield from _serve(_Handler)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


FAST = IngestOptions(timeout_s=0.5, max_download_bytes=1 << 20)


def test_feed_url(server: tuple[str, list[str]]) -> None:
    base, seen = server
    reviews = ingest([f"{base}/feed.xml"])
    assert [r.title for r in reviews] == ["Orchard Road", "Red Ledger"]
    assert reviews[0].url == "https://example.org/film-club/orchard-road"
    assert reviews[0].published == date(2024, 3, 4)
    assert seen == ["/feed.xml"]  # entry links are not followed


def test_atom_served_as_text_xml(server: tuple[str, list[str]]) -> None:
    base, _ = server
    (review,) = ingest([f"{base}/atom"])
    assert review.language == "fr"


def test_page_url(server: tuple[str, list[str]]) -> None:
    base, _ = server
    (review,) = ingest([f"{base}/page"])
    assert review.critic == "Dev Patel-Okafor"
    assert review.url == f"{base}/page"
    assert review.text.startswith("Paper Moons is the kind")


def test_page_with_declared_latin1_charset(server: tuple[str, list[str]]) -> None:
    base, _ = server
    (review,) = ingest([f"{base}/latin1"])
    assert "délicatesse" in review.text
    assert "lumière" in review.text


def test_text_and_json_urls(server: tuple[str, list[str]]) -> None:
    base, _ = server
    (text,) = ingest([f"{base}/text"])
    assert text.title == "Fog Line"
    assert text.url == f"{base}/text"
    assert len(ingest([f"{base}/json"])) == 2


def test_redirect_is_followed(server: tuple[str, list[str]]) -> None:
    base, seen = server
    (review,) = ingest([f"{base}/redirect"])
    assert review.url == f"{base}/page"
    assert seen == ["/redirect", "/page"]


def test_url_folded_by_path_still_works(server: tuple[str, list[str]]) -> None:
    base, _ = server
    folded = Path(f"{base}/text")  # what typer hands over: "http:/127.0.0.1..."
    assert "://" not in str(folded)
    (review,) = ingest([folded])
    assert review.title == "Fog Line"


def test_feed_naming_an_external_dtd_does_not_fetch_it(
    server: tuple[str, list[str]],
) -> None:
    base, seen = server
    (review,) = ingest([f"{base}/external-dtd"])
    assert review.title == "A"
    assert "/dtd" not in seen


def test_entity_bomb_url_is_refused(server: tuple[str, list[str]]) -> None:
    base, _ = server
    with pytest.raises(InputError, match="refused: the XML declares an entity"):
        ingest([f"{base}/bomb"])


def test_page_without_article_is_an_input_error(server: tuple[str, list[str]]) -> None:
    base, _ = server
    with pytest.raises(InputError, match="no article text found"):
        ingest([f"{base}/nav"])


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing", "the server answered HTTP 404"),
        ("/broken", "the server answered HTTP 500"),
        ("/slow", "no answer within 0.5 s"),
        ("/drip", "download took longer than 2 s"),
        ("/big-declared", "50 MiB is over the 1 MiB limit"),
        ("/big-stream", "larger than the 1 MiB limit"),
        ("/redirect-file", "refused a redirect to file:///etc/passwd"),
    ],
)
def test_download_failures_are_network_errors(
    server: tuple[str, list[str]], path: str, message: str
) -> None:
    base, _ = server
    started = time.perf_counter()
    with pytest.raises(NetworkError) as info:
        ingest([f"{base}{path}"], FAST)
    assert time.perf_counter() - started < 4
    assert str(info.value).startswith(f"{base}{path}: ")
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert info.value.exit_code == ExitCode.NETWORK == 9


def test_connection_refused_is_a_network_error() -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(NetworkError, match="cannot connect"):
        ingest([f"http://127.0.0.1:{port}/feed"], FAST)


def test_no_network_without_a_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("ingest opened a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert len(ingest([INPUTS])) == 15


# --- redirects to another host (issue 19) -------------------------------------------


class _Elsewhere(_Handler):
    """Adds /elsewhere: a redirect to the same server under another host name."""

    def _route(self) -> None:
        if self.path == "/elsewhere":
            self.seen.append(self.path)
            port = self.server.server_address[1]
            self.send_response(301)
            self.send_header("Location", f"http://localhost:{port}/text")
            self.end_headers()
            return
        super()._route()


@pytest.fixture
def two_names() -> Iterator[tuple[str, list[str]]]:
    """A loopback server reachable as 127.0.0.1 and as localhost."""
    yield from _serve(_Elsewhere)


def test_redirect_to_another_host_is_refused_by_default(
    two_names: tuple[str, list[str]],
) -> None:
    base, seen = two_names
    with pytest.raises(NetworkError) as info:
        ingest([f"{base}/elsewhere"], FAST)
    assert str(info.value).startswith(f"{base}/elsewhere: redirected to another host")
    assert "--follow-redirects" in str(info.value)
    assert seen == ["/elsewhere"]  # the other host was never asked


def test_redirect_to_another_host_is_followed_when_allowed_and_logged(
    two_names: tuple[str, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    base, seen = two_names
    port = base.rsplit(":", 1)[1]
    options = IngestOptions(timeout_s=2, follow_redirects=True)
    with caplog.at_level("INFO", logger="digest"):
        (review,) = ingest([f"{base}/elsewhere"], options)
    assert review.title == "Fog Line"
    assert review.url == f"http://localhost:{port}/text"
    assert f"redirected (301) to http://localhost:{port}/text" in caplog.text


def test_same_host_redirect_says_where_it_went(
    server: tuple[str, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    base, _ = server
    with caplog.at_level("INFO", logger="digest"):
        ingest([f"{base}/redirect"])
    assert f"{base}/redirect: redirected (302) to {base}/page" in caplog.text
