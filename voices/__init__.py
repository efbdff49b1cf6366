"""The voice profiles shipped with digest, installed as the ``digest.voices`` package.

This folder is their source; the TOML files beside this one are what gets read.
"""
