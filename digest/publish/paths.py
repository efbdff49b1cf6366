"""The sidecar files of an episode: their names and their MIME types.

In: the episode MP3's path. Out: where each file that travels with it lives
(``NAME.vtt``, ``NAME.srt``, ``NAME.chapters.json``, ``NAME.md``, ``NAME.html``)
and how the feed types them. Shared by the module that writes the sidecars, the
feed that reads them back and the build manifest; writes nothing itself.
"""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Sidecars:
    """Where the files that travel with one episode MP3 live."""

    vtt: Path
    srt: Path
    chapters: Path
    markdown: Path
    html: Path

    @classmethod
    def for_mp3(cls, mp3: Path) -> "Sidecars":
        """The sidecar paths of ``mp3`` (``episode.mp3`` → ``episode.vtt`` ...)."""
        return cls(
            vtt=mp3.with_suffix(".vtt"),
            srt=mp3.with_suffix(".srt"),
            chapters=mp3.with_suffix(".chapters.json"),
            markdown=mp3.with_suffix(".md"),
            html=mp3.with_suffix(".html"),
        )

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every sidecar path, transcripts first."""
        return (self.vtt, self.srt, self.chapters, self.markdown, self.html)


# The types the feed's podcast:transcript and podcast:chapters tags give them.
MIME_VTT = "text/vtt"
MIME_SRT = "application/x-subrip"
MIME_CHAPTERS = "application/json+chapters"
