"""store/files.py's checks on named files and its temporary work folders (issue 19).

Music or cover that never ends (a device, a FIFO) or is too large is refused before
anything reads it; an output that is a device, a FIFO or one of the inputs is
refused before anything is written; a work folder records its owner's PID, and
only folders of digest's whose owner is gone are swept.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from digest.errors import ExitCode, InputError, OutputError
from digest.store.files import (
    OWNER_FILE,
    check_input_file,
    check_output_file,
    sweep_work_folders,
    work_folder,
    write_atomic,
)


def test_a_regular_file_within_the_limit_passes(tmp_path: Path) -> None:
    path = tmp_path / "bed.wav"
    path.write_bytes(b"x" * 10)
    assert check_input_file(path, "music file", 10) == 10


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("/dev/zero", "music file is not a regular file"),
        ("/dev/urandom", "music file is not a regular file"),
        ("fifo", "music file is not a regular file"),
        ("folder", "music file is a folder"),
        ("gone", "music file not found"),
        ("big", "music file is 11 bytes; the largest accepted is 10 bytes"),
    ],
)
def test_unusable_input_files_are_refused_unread(
    tmp_path: Path, name: str, message: str
) -> None:
    os.mkfifo(tmp_path / "fifo")  # opening it to read would block forever
    (tmp_path / "folder").mkdir()
    (tmp_path / "big").write_bytes(b"x" * 11)
    path = Path(name) if name.startswith("/") else tmp_path / name
    with pytest.raises(InputError, match=message) as info:
        check_input_file(path, "music file", 10)
    assert str(info.value).startswith(f"{path}: ")
    assert info.value.exit_code == ExitCode.INPUT


def test_a_new_or_regular_output_passes(tmp_path: Path) -> None:
    check_output_file(tmp_path / "new.mp3")
    (tmp_path / "old.mp3").write_bytes(b"old")
    check_output_file(tmp_path / "old.mp3", [tmp_path / "review.txt"])


@pytest.mark.parametrize("name", ["/dev/null", "/dev/full", "fifo"])
def test_an_output_that_is_not_a_regular_file_is_refused(
    tmp_path: Path, name: str
) -> None:
    os.mkfifo(tmp_path / "fifo")
    path = Path(name) if name.startswith("/") else tmp_path / name
    with pytest.raises(OutputError, match="not a regular file") as info:
        check_output_file(path)
    assert info.value.exit_code == ExitCode.OUTPUT


@pytest.mark.parametrize("name", ["show.toml", "show-cover.png", "feed.xml"])
def test_no_file_digest_writes_replaces_a_fifo(tmp_path: Path, name: str) -> None:
    # Every sidecar, the feed, the show file and covers go through write_atomic.
    os.mkfifo(tmp_path / name)
    with pytest.raises(OutputError, match="not a regular file"):
        write_atomic(tmp_path / name, b"data")
    assert (tmp_path / name).is_fifo()


def test_an_output_that_is_an_input_is_refused_by_any_spelling(tmp_path: Path) -> None:
    review = tmp_path / "review.txt"
    review.write_text("A fine film.")
    os.link(review, tmp_path / "same.txt")
    for spelling in (review, tmp_path / "sub" / ".." / "review.txt"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(OutputError, match="is one of the input files"):
            check_output_file(spelling, [review])
    with pytest.raises(OutputError, match="is one of the input files"):
        check_output_file(tmp_path / "same.txt", [review])  # a hard link too


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private temporary directory for the test's work folders."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_a_work_folder_names_its_owner_and_goes_away(scratch: Path) -> None:
    with work_folder() as work:
        assert work.parent == scratch
        assert work.name.startswith("digest-")
        words = (work / OWNER_FILE).read_text().split()
        assert words[:2] == ["digest", str(os.getpid())]
        assert words[2].isdigit()  # the start time, from /proc
    assert not work.exists()


def dead_pid() -> int:
    """The PID of a process that has exited (and been reaped)."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(proc.stdout)


def test_sweep_removes_only_marked_folders_of_dead_owners(scratch: Path) -> None:
    def folder(name: str, owner: str | None) -> Path:
        path = scratch / name
        path.mkdir()
        (path / "clip.wav").write_bytes(b"RIFF")
        if owner is not None:
            (path / OWNER_FILE).write_text(owner)
        return path

    dead = folder("digest-dead", f"digest {dead_pid()}\n")
    units = folder("digest-units-dead", f"digest {dead_pid()}\n")
    mine = folder("digest-mine", f"digest {os.getpid()}\n")
    unmarked = folder("digest-unmarked", None)
    garbled = folder("digest-garbled", "not digest 1\n")
    other = folder("other-dead", f"digest {dead_pid()}\n")
    # A live PID with another start time: the owner died, its PID was reused.
    parent = os.getppid()
    started = Path(f"/proc/{parent}/stat").read_text().rpartition(")")[2].split()[19]
    reused = folder("digest-reused", f"digest {parent} 1\n")
    alive = folder("digest-alive", f"digest {parent} {started}\n")
    assert sorted(sweep_work_folders()) == [dead, reused, units]
    assert not dead.exists()
    for kept in (mine, unmarked, garbled, other, alive):
        assert kept.exists()
