"""What goes into the wheel; everything else about the project is in pyproject.toml.

pyproject.toml alone cannot say this: the voice profiles live in the top-level
``voices/`` folder (the file users read and copy) but must install as the
``digest.voices`` package, so importlib.resources finds them wherever the command
runs, and setuptools' ``packages.find`` cannot be combined with such a mapping.
"""

from setuptools import find_packages, setup

setup(
    # Found, not listed: a listed set once left the subpackages out of the wheel.
    packages=[*find_packages(include=["digest", "digest.*"]), "digest.voices"],
    package_dir={"digest.voices": "voices"},
    package_data={
        "digest": ["py.typed"],
        "digest.speak": ["*.json"],
        "digest.voices": ["*.toml", "neural/*.toml"],
    },
)
