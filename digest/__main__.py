"""``python -m digest``, and the ``digest`` console script's entry point.

The console script imports :func:`main` from here rather than from
:mod:`digest.cli`: a speech worker started with ``spawn`` re-imports the
script that started its parent, and this module costs it nothing, where the
CLI (typer, rich and every stage) would cost each worker a third of a second.
"""


def main() -> None:
    """Run the CLI."""
    from digest.cli import run

    run()


if __name__ == "__main__":
    main()
