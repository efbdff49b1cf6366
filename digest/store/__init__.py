"""Everything on disk: atomic files and hashing, the lock, the cache, the manifest.

Layer: imports no stage.
"""
