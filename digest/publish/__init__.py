"""Stage 7, publish: the encoded episode → tagged MP3, cover, sidecars and feed.

- :mod:`.episode`: ID3 tags and chapters, placing the MP3 where it belongs.
- :mod:`.cover`: the episode's cover art, generated or the user's.
- :mod:`.sidecars`: writes the sidecars next to the MP3 (:mod:`.paths` names them):
  transcripts (VTT, SRT, :mod:`.transcripts`), chapters JSON (:mod:`.chapters`),
  show notes in Markdown (:mod:`.notes`) and the HTML episode page (:mod:`.page`).
- :mod:`.text`: whitespace and link cleaning shared by everything published.
- :mod:`.feed`: the folder's podcast RSS feed.
"""
