"""One bounded HTTP(S) download for a URL the user named on the command line.

In: an ``http://`` or ``https://`` URL, a timeout and a size cap. Out: the body, its
content type and charset, and the final URL after redirects. The only network use
in ingest: nothing is fetched unless the user passed a URL, links inside pages or
feeds are never followed, and redirects may only lead to http(s) on the same host
(another host only with ``follow_redirects``); where one led is logged. A URL
that is not well formed raises :class:`InputError`; failures to fetch raise
:class:`NetworkError` naming the URL. Writes nothing.
"""

import logging
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.client import HTTPException, HTTPMessage
from typing import IO

from digest.errors import InputError, NetworkError

log = logging.getLogger("digest")

USER_AGENT = "digest/0.1 (review podcast builder)"
_ACCEPT = (
    "application/rss+xml, application/atom+xml, text/html;q=0.9, "
    "application/xml;q=0.8, text/plain;q=0.8, */*;q=0.5"
)
_CHUNK = 64 * 1024
# Longest URL accepted (what browsers and servers commonly allow).
MAX_URL_CHARS = 2048
_HOST = re.compile(r"[\w.-]+|[0-9a-f:.]+")  # a name or IPv4, or IPv6 (no brackets)


@dataclass(frozen=True, slots=True)
class Download:
    """A fetched body and what the server said about it."""

    url: str
    data: bytes
    content_type: str
    charset: str | None


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow at most five redirects, only to http(s), to other hosts if allowed."""

    max_redirections = 5

    def __init__(self, other_hosts: bool) -> None:
        super().__init__()
        self.other_hosts = other_hosts

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if not newurl.lower().startswith(("http://", "https://")):
            fp.close()  # the refused response's socket
            raise NetworkError(f"{req.full_url}: redirected to a non-HTTP URL {newurl}")
        here = urllib.parse.urlsplit(req.full_url).hostname
        there = urllib.parse.urlsplit(newurl).hostname
        if here != there and not self.other_hosts:
            fp.close()
            raise NetworkError(
                f"{req.full_url}: redirected to another host ({newurl}); "
                "pass --follow-redirects to follow it"
            )
        log.info("%s: redirected (%d) to %s", req.full_url, code, newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def is_url(text: str) -> bool:
    """Is this argument an http(s) URL rather than a path?"""
    return text.lower().startswith(("http://", "https://"))


def check_url(url: str) -> str:
    """``url`` if it is a well-formed http(s) URL with a host; else InputError."""
    if len(url) > MAX_URL_CHARS:
        raise InputError(f"{url[:60]}…: URL longer than {MAX_URL_CHARS} characters")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError as exc:
        raise InputError(f"{url}: malformed URL ({exc})") from None
    if (
        parts.scheme.lower() not in ("http", "https")
        or not is_url(url)
        or not _HOST.fullmatch(parts.hostname or "")
        or any(c.isspace() or ord(c) < 32 for c in url)
    ):
        raise InputError(f"{url}: malformed URL (expected http(s)://HOST/PATH)")
    return url


def fetch(
    url: str, *, timeout_s: float, max_bytes: int, follow_redirects: bool = False
) -> Download:
    """GET ``url``: each network wait ≤ ``timeout_s``, the whole ≤ 4 × ``timeout_s``."""
    if not is_url(url):
        raise NetworkError(f"{url}: only http:// and https:// URLs can be fetched")
    request = urllib.request.Request(
        check_url(url), headers={"User-Agent": USER_AGENT, "Accept": _ACCEPT}
    )
    opener = urllib.request.build_opener(_HttpOnlyRedirects(follow_redirects))
    deadline = time.monotonic() + 4 * timeout_s
    try:
        with opener.open(request, timeout=timeout_s) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                size, cap = human_size(int(length)), human_size(max_bytes)
                raise NetworkError(f"{url}: {size} is over the {cap} limit")
            data = _read_capped(response, url, max_bytes, deadline, timeout_s)
            final_url = response.geturl()
            content_type = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
    except NetworkError:
        raise
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the response's socket open until closed
        if 300 <= exc.code < 400 and exc.headers.get("Location"):
            target = exc.headers["Location"]
            raise NetworkError(f"{url}: refused a redirect to {target}") from exc
        raise NetworkError(
            f"{url}: the server answered HTTP {exc.code} {exc.reason}"
        ) from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError | socket.timeout):
            raise NetworkError(f"{url}: no answer within {timeout_s:g} s") from exc
        raise NetworkError(f"{url}: cannot connect ({reason})") from exc
    except TimeoutError as exc:
        raise NetworkError(f"{url}: no answer within {timeout_s:g} s") from exc
    except (OSError, HTTPException, ValueError) as exc:
        raise NetworkError(f"{url}: download failed ({exc})") from exc
    return Download(final_url, data, content_type, charset)


def _read_capped(
    response: IO[bytes], url: str, max_bytes: int, deadline: float, timeout_s: float
) -> bytes:
    """Read the body in chunks, stopping at the size cap and the overall deadline."""
    chunks: list[bytes] = []
    size = 0
    read1 = getattr(response, "read1", response.read)
    while True:
        if time.monotonic() > deadline:
            raise NetworkError(
                f"{url}: download took longer than {4 * timeout_s:g} s; gave up"
            )
        chunk = read1(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise NetworkError(f"{url}: larger than the {human_size(max_bytes)} limit")
        chunks.append(chunk)


def human_size(n: int) -> str:
    """Bytes as a short human size: '8 MiB', '512 KiB'."""
    if n >= 1 << 20:
        return f"{n / (1 << 20):g} MiB"
    if n >= 1 << 10:
        return f"{n / (1 << 10):g} KiB"
    return f"{n} bytes"
