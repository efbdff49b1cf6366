"""The only code that finds or starts ffmpeg and libespeak-ng, or reads WAV files.

Layer: imports no stage.
"""
