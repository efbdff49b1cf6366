"""How work is scheduled: worker processes, overlapped stages, progress.

Layer: imported by the pipeline; never imports the CLI.
"""
