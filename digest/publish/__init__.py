"""Stage 7, publish: the encoded episode → tagged MP3, cover, sidecars and feed.

- :mod:`.episode`: ID3 tags and chapters, placing the MP3 where it belongs.
- :mod:`.cover`: the episode's cover art, generated or the user's.
- :mod:`.sidecars`: transcripts (VTT, SRT), chapters JSON and show notes.
- :mod:`.feed`: the folder's podcast RSS feed.
"""
