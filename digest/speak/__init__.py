"""Stage 4, speak: script lines → WAV clips (:class:`~digest.models.Clip`).

- :mod:`.espeak`: the :class:`Synthesizer` Protocol and pyttsx3 driving espeak-ng.
- :mod:`.narrators`: a narrator per review language, from the engine's voices.
"""
