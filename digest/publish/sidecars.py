"""Sidecar files: the published :class:`Episode` → transcripts, chapters, show notes.

In: the episode (its MP3 path, chapters and cues), the script it was read from and
the summaries behind it. Out, next to ``NAME.mp3`` (paths in
:mod:`~digest.publish.paths`): ``NAME.vtt`` and ``NAME.srt`` (sentence-level
transcripts with speaker names, :mod:`~digest.publish.transcripts`),
``NAME.chapters.json`` (Podcasting 2.0 JSON chapters,
:mod:`~digest.publish.chapters`), ``NAME.md`` (show notes,
:mod:`~digest.publish.notes`) and ``NAME.html`` (an episode page that plays the MP3
and carries the same notes, :mod:`~digest.publish.page`). Every file is rendered
in memory, then written atomically. Output depends only on the inputs: no clock,
no absolute paths.
"""

import logging
from collections.abc import Sequence

from digest.models import Cue, Episode, Script, Summary
from digest.publish.chapters import chapter_urls, render_chapters_json
from digest.publish.notes import build_show_notes, render_markdown
from digest.publish.page import render_html
from digest.publish.paths import Sidecars
from digest.publish.transcripts import render_srt, render_vtt, transcript_cues
from digest.store.files import write_atomic

log = logging.getLogger("digest")


def write_sidecars(
    episode: Episode,
    script: Script,
    summaries: Sequence[Summary],
    *,
    cues: Sequence[Cue] | None = None,
) -> Sidecars:
    """Write the transcripts, chapters JSON and show notes next to the MP3.

    ``cues`` defaults to ``episode.cues`` (pass ``mix.cues`` when the episode does
    not carry them). Same inputs, same bytes.
    """
    files = Sidecars.for_mp3(episode.path)
    shown = transcript_cues(episode.cues if cues is None else cues, summaries)
    if not shown:
        log.warning("%s: no timed lines, the transcripts are empty", episode.path)
    notes = build_show_notes(episode, script, summaries)
    urls = chapter_urls(episode, script, summaries)
    rendered = (
        (files.vtt, render_vtt(shown)),
        (files.srt, render_srt(shown)),
        (files.chapters, render_chapters_json(episode, urls)),
        (files.markdown, render_markdown(notes)),
        (files.html, render_html(notes, files)),
    )
    for path, text in rendered:
        write_atomic(path, text.encode("utf-8"))
    log.info("sidecars: %s", ", ".join(p.name for p in files.paths))
    return files
