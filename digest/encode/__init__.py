"""Stage 6, encode: the stitched mix → levelled MP3 units joined into one stream.

- :mod:`.level`: loudness (BS.1770 K-weighting) and the gain and limiter.
- :mod:`.units`: one unit per chapter, levelled and encoded by ffmpeg, cached.
- :mod:`.mp3`: joining the units' MP3 frames into one stream, frame-exact.
"""
