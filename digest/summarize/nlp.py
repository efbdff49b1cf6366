"""Text tools: sentence splitting, word tokens, stopwords and stemming.

In: plain text (a whole review or one sentence). Out: the sentences exactly as they
appear in the text (or their ``(start, end)`` offsets), lower-cased word tokens, and
stemmed content words. ``load_text_tools`` uses NLTK's real data (``punkt_tab`` and
the ``stopwords`` corpus) when it is installed and NLTK agrees to read it, and a
built-in fallback otherwise; ``NltkStatus`` says which and why. Stopwords and the
stemmer are English; :mod:`.languages` adds what other scripts need.
``shared_text_tools`` keeps loaded tools for the next call. Nothing is read on
import, and NLTK itself (half a second of imports) only loads with the tools;
``download_nltk_data`` is the only function that writes files (the data).
``data_fingerprint`` describes the NLTK data on disk without loading NLTK, so
summaries can be cached against it.
"""

import functools
import io
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from digest.errors import MissingDependencyError
from digest.store.files import Digest
from digest.summarize.languages import (
    CJK_CHAR,
    CJK_END,
    ENGLISH_ABBREVIATIONS,
    FOREIGN_ABBREVIATIONS,
    char_pairs,
    cjk_cuts,
    nltk_language,
    stemmer_for,
)

if TYPE_CHECKING:
    from nltk.tokenize.punkt import PunktSentenceTokenizer

__all__ = [
    "NltkStatus",
    "TextTools",
    "data_fingerprint",
    "download_nltk_data",
    "load_text_tools",
    "shared_text_tools",
]

_STEM_CACHE_LIMIT = 200_000
_PUNKT_RESOURCE = "tokenizers/punkt_tab/english/"
_STOPWORDS_RESOURCE = "corpora/stopwords/english"
_DOWNLOAD_FIX = "run `digest download-data` or set NLTK_DATA"

# Dotted initialisms of single letters (u.s, u.s.a, p.m, j.k): always abbreviations.
_INITIALISM = re.compile(r"[^\W\d_](?:\.[^\W\d_])+")

# Words that often open a sentence; after an abbreviation they signal a new one.
_SENT_STARTERS = frozenset(
    """
    the a an this that these those it its he she they we i you there here his her
    their our my your in on at but and or however if when while after before as for
    so yet although though since despite meanwhile moreover also then what how why
    who many most some both one all even still instead indeed according under with
    not nor thus each every such other another first later now today
    """.split()
)

# Our own English stopword list: function words, pronouns, auxiliaries and the
# fragments a word tokenizer leaves from contractions ("don", "t", "ll").
_FALLBACK_STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are aren as at be because
    been before being below between both but by can couldn could d did didn do does
    doesn doing don down during each few for from further had hadn has hasn have
    haven having he her here hers herself him himself his how i if in into is isn it
    its itself just ll m ma me mightn more most mustn my myself needn no nor not now
    o of off on once only or other our ours ourselves out over own re s same shan
    she should shouldn so some such t than that the their theirs them themselves
    then there these they this those through to too under until up ve very was
    wasn we were weren what when where which while who whom why will with won would
    wouldn y you your yours yourself yourselves also may might must shall us upon
    yet whose ever every
    """.split()
)

# Punkt's orthographic-context bits (nltk.tokenize.punkt._ORTHO_*): the word was seen
# capitalised at a sentence start, and lower-case mid-sentence and elsewhere.
_ORTHO_BEG_UC = 1 << 1
_ORTHO_MID_LC = 1 << 5
_ORTHO_UNK_LC = 1 << 6
_COMMON_WORD_CONTEXT = _ORTHO_BEG_UC | _ORTHO_MID_LC | _ORTHO_UNK_LC

_LINE = re.compile(r"[^\r\n]+")
# Where Punkt could end a sentence inside a line: a mark followed by a space or by
# one of the characters Punkt takes as the next token. A line without one is one
# sentence, and Punkt (the slowest step of summarizing) need not see it.
_INNER_END = re.compile(r"[.?!](?:\s+\S|[?!)\";}\]*:@'({\[])")
_T = TypeVar("_T")
_WORD = re.compile(r"[^\W_]+")


class _AbbrevTypes(frozenset[str]):
    """Known abbreviations; any dotted initialism (u.s.a, j.k) counts as one too."""

    def __contains__(self, item: object) -> bool:
        return super().__contains__(item) or (
            isinstance(item, str) and _INITIALISM.fullmatch(item) is not None
        )


class _OrthoContext(dict[str, int]):
    """Punkt's word -> casing evidence, answered from our common-word list."""

    def __missing__(self, key: str) -> int:
        # Unlike Punkt's defaultdict, never store: the tokenizer stays read-only.
        if key in _FALLBACK_STOPWORDS or key in _SENT_STARTERS:
            return _COMMON_WORD_CONTEXT
        return 0


def _fallback_punkt() -> "PunktSentenceTokenizer":
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    params.abbrev_types = _AbbrevTypes(ENGLISH_ABBREVIATIONS | FOREIGN_ABBREVIATIONS)
    params.sent_starters = set(_SENT_STARTERS)
    params.ortho_context = _OrthoContext()
    return PunktSentenceTokenizer(params)


@dataclass(frozen=True, slots=True)
class NltkStatus:
    """Which NLTK resources are in use."""

    punkt_source: str
    punkt_path: Path | None
    stopwords_source: str
    stopwords_path: Path | None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TextTools:
    """Sentence splitter, tokenizer, stopwords and stemmer for one language."""

    status: NltkStatus
    stopwords: frozenset[str]
    _punkt: Any = field(repr=False, compare=False)
    _stemmer: Any = field(repr=False, compare=False)
    # Porter stemming is the slowest step of summarizing; words repeat a lot.
    _stems: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def split_sentences(self, text: str) -> list[str]:
        """Return the sentences of ``text`` verbatim, in order; a newline ends one."""
        return [text[start:end] for start, end in self.sentence_spans(text)]

    def sentence_spans(self, text: str) -> list[tuple[int, int]]:
        """Return ``(start, end)`` offsets of the sentences of ``text``."""
        return list(self._iter_spans(text))

    def _iter_spans(self, text: str) -> Iterator[tuple[int, int]]:
        # Punkt runs per line: in plain-text reviews every line is a paragraph.
        for line in _LINE.finditer(text):
            offset = line.start()
            piece = line.group()
            spans = (
                self._punkt.span_tokenize(piece)
                if _INNER_END.search(piece.rstrip())
                else ((0, len(piece)),)
            )
            if CJK_END.search(piece):
                spans = [cut for span in spans for cut in cjk_cuts(piece, *span)]
            for start, end in spans:
                # Punkt may leave leading whitespace on the first sentence.
                while start < end and piece[start].isspace():
                    start += 1
                while end > start and piece[end - 1].isspace():
                    end -= 1
                if start < end:
                    yield offset + start, offset + end

    def words(self, sentence: str) -> list[str]:
        """Return the lower-cased alphanumeric word tokens of ``sentence``."""
        return [word.lower() for word in _WORD.findall(sentence)]

    def stem(self, word: str) -> str:
        """Return the Porter stem of a lower-case ``word`` (memoized)."""
        stems = self._stems
        found = stems.get(word)
        if found is None:
            if len(stems) >= _STEM_CACHE_LIMIT:
                stems.clear()
            found = stems[word] = cast(str, self._stemmer.stem(word))
        return found

    def content_words(self, sentence: str) -> list[str]:
        """Return the stemmed words of ``sentence`` that are not stopwords.

        Chinese, Japanese and Korean runs have no spaces to split words at; they
        give their character pairs instead.
        """
        stop = self.stopwords
        stems = self._stems
        out: list[str] = []
        cjk = not sentence.isascii() and CJK_CHAR.search(sentence) is not None
        for word in _WORD.findall(sentence):
            word = word.lower()
            if cjk and CJK_CHAR.search(word):
                out.extend(char_pairs(word))
            elif word not in stop:
                out.append(stems.get(word) or self.stem(word))
        return out


def _data_roots() -> list[Path]:
    """NLTK's search path, with NLTK_DATA as it is now (nltk reads it at import)."""
    import nltk

    roots = [Path(entry) for entry in cast(list[str], nltk.data.path) if entry]
    env = os.environ.get("NLTK_DATA", "")
    extra = [Path(entry).expanduser() for entry in env.split(os.pathsep) if entry]
    return extra + [root for root in roots if root not in extra]


def _root_holding(resource: str) -> Path | None:
    """The first data root that has ``resource`` on disk, readable or not."""
    for root in _data_roots():
        if (root / resource).exists():
            return root
    return None


def _explain(name: str, resource: str, error: Exception, refused: bool) -> str:
    """One line saying why ``name`` is not used and how to fix it."""
    root = _root_holding(resource)
    if root is None:
        return f"{name} not found: {_DOWNLOAD_FIX}"
    if isinstance(error, PermissionError) and "multiply-linked" in str(error):
        # uv-style hard-linked installs: chmod cannot help, a real copy does.
        return (
            f"{name} in {root} refused by NLTK path security (hard-linked files): "
            f"copy the data without hard links, e.g. `cp -R {root} NEWDIR`"
        )
    if refused or isinstance(error, PermissionError):
        return (
            f"{name} in {root} refused by NLTK path security (group/world-writable "
            f"or owned by another account): chmod -R go-w {root}"
        )
    reason = (str(error).strip().splitlines() or ["unreadable"])[0]
    return f"{name} in {root} is incomplete or unreadable ({reason}): {_DOWNLOAD_FIX}"


def _attempt(name: str, resource: str, load: Callable[[], _T]) -> tuple[_T | None, str]:
    """Run ``load``; turn NLTK's misses and refusals into one problem line."""
    # NLTK 3.10 warns (RuntimeWarning) before refusing data others can write to;
    # record it rather than let it escape (callers may run with -W error).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return load(), ""
        except (LookupError, OSError, ValueError) as error:
            refused = "Refused" in str(error)
            refused = refused or any("writable" in str(w.message) for w in caught)
            return None, _explain(name, resource, error, refused)


def _search_paths() -> list[str]:
    return [str(root) for root in _data_roots()]


def _load_real_punkt(resource: str) -> tuple["PunktSentenceTokenizer", Path]:
    import nltk
    from nltk.tokenize.punkt import PunktSentenceTokenizer, load_punkt_params

    pointer = nltk.data.find(resource, paths=_search_paths())
    params = load_punkt_params(pointer)
    params.abbrev_types.update(FOREIGN_ABBREVIATIONS)
    return PunktSentenceTokenizer(params), Path(pointer.path)


def _load_real_stopwords(resource: str) -> tuple[frozenset[str], Path]:
    import nltk

    pointer = nltk.data.find(resource, paths=_search_paths())
    # Read the file ourselves: nltk.corpus.stopwords keeps the first root it loads.
    with pointer.open(encoding="utf-8") as handle:
        words = frozenset(line.strip() for line in handle if line.strip())
    if not words:
        raise LookupError(f"{pointer.path} is empty")
    return words, Path(pointer.path)


def load_text_tools(
    *, use_nltk_data: bool = True, language: str | None = None
) -> TextTools:
    """Build the text tools for ``language`` (ISO code; None is English).

    NLTK's punkt_tab model and stopwords for the language when NLTK covers it and
    the data is usable, else the built-in fallback (our Punkt parameters; our
    stopwords for English, none for another language: we ship no list). Porter
    stems English, Snowball the other languages (code, no data).
    """
    # A language NLTK does not cover is read with the English tools, as before.
    name = nltk_language(language) or "english"
    punkt_resource = _PUNKT_RESOURCE.replace("english", name)
    stop_resource = _STOPWORDS_RESOURCE.replace("english", name)
    punkt = stopwords = None
    problems: tuple[str, ...] = ()
    if use_nltk_data:
        punkt, punkt_problem = _attempt(
            "punkt_tab", punkt_resource, lambda: _load_real_punkt(punkt_resource)
        )
        stopwords, stop_problem = _attempt(
            "stopwords", stop_resource, lambda: _load_real_stopwords(stop_resource)
        )
        problems = tuple(p for p in (punkt_problem, stop_problem) if p)
    status = NltkStatus(
        punkt_source="nltk" if punkt else "fallback",
        punkt_path=punkt[1] if punkt else None,
        stopwords_source="nltk" if stopwords else "fallback",
        stopwords_path=stopwords[1] if stopwords else None,
        problems=problems,
    )
    english = name == "english"
    fallback_stopwords = _FALLBACK_STOPWORDS if english else frozenset[str]()
    return TextTools(
        status=status,
        stopwords=stopwords[0] if stopwords else fallback_stopwords,
        _punkt=punkt[0] if punkt else _fallback_punkt(),
        _stemmer=stemmer_for(name),
    )


@functools.lru_cache(maxsize=16)
def _kept_text_tools(use_nltk_data: bool, nltk_data: str, language: str) -> TextTools:
    return load_text_tools(use_nltk_data=use_nltk_data, language=language or None)


def shared_text_tools(
    *, use_nltk_data: bool = True, language: str | None = None
) -> TextTools:
    """The tools of :func:`load_text_tools`, loaded once per data choice and reused.

    Keyed on NLTK_DATA too, so pointing it elsewhere loads afresh; data added to
    a root later is seen by a new process (or by :func:`load_text_tools`).
    """
    name = nltk_language(language) or ""
    return _kept_text_tools(use_nltk_data, os.environ.get("NLTK_DATA", ""), name)


def _make_private(folder: Path) -> None:
    """chmod go-w everything under ``folder``: NLTK refuses shared-writable data."""
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~0o022)


def download_nltk_data(target: Path | None = None) -> Path:
    """Download punkt_tab and stopwords into ``target`` (default ~/nltk_data)."""
    folder = (target if target is not None else Path.home() / "nltk_data").expanduser()
    try:
        folder.mkdir(mode=0o755, parents=True, exist_ok=True)
    except OSError as error:
        raise MissingDependencyError(f"cannot create {folder}: {error}") from error
    import nltk

    for package in ("punkt_tab", "stopwords"):
        # nltk prints errors to the stderr it saw at import, even when quiet.
        errors = io.StringIO()
        try:
            ok = nltk.download(
                package,
                download_dir=str(folder),
                quiet=True,
                print_error_to=errors,
            )
        except (OSError, ValueError) as error:
            ok, reason = False, str(error)
        else:
            reason = errors.getvalue().strip() or "no network or index unreachable"
        if not ok:
            first = reason.splitlines()[0] if reason else "unknown error"
            raise MissingDependencyError(
                f"could not download NLTK {package} into {folder}: {first}"
            )
    _make_private(folder)
    return folder


def default_data_roots() -> list[Path]:
    """Where NLTK looks for data, worked out without importing NLTK.

    The same list as ``nltk.data.path`` on Linux and macOS (NLTK_DATA first,
    then the home folder, the Python prefix and the system folders); a test
    holds the two together.
    """
    env = os.environ.get("NLTK_DATA", "")
    roots = [Path(entry).expanduser() for entry in env.split(os.pathsep) if entry]
    home = Path("~/nltk_data").expanduser()
    if str(home) != "~/nltk_data":
        roots.append(home)
    prefix = Path(sys.prefix)
    roots += [prefix / "nltk_data", prefix / "share" / "nltk_data"]
    roots += [prefix / "lib" / "nltk_data"]
    roots += [Path(p) for p in ("/usr/share/nltk_data", "/usr/local/share/nltk_data")]
    roots += [Path(p) for p in ("/usr/lib/nltk_data", "/usr/local/lib/nltk_data")]
    return roots


def data_fingerprint(*, use_nltk_data: bool = True) -> str:
    """A short hash of the NLTK data the tools would load (or of its absence).

    Every file of punkt_tab's models and the stopword lists under
    each root, with its size, time and permissions (NLTK refuses files others
    may write): a summary made with other data, or with the fallback, has
    another fingerprint.
    """
    digest = Digest(f"nltk-data-v1 {use_nltk_data}".encode())
    if use_nltk_data:
        for root in default_data_roots():
            # Every language's model and list: a review may be in any of them.
            for resource in ("tokenizers/punkt_tab/", "corpora/stopwords/"):
                base = root / resource
                files = sorted(base.rglob("*")) if base.is_dir() else [base]
                kind, package = resource.split("/")[:2]
                zipped = root / kind / f"{package}.zip"  # NLTK reads these too
                for path in [base.parent, base, zipped, *files]:
                    try:
                        st = path.stat()
                    except OSError:
                        continue
                    fact = (
                        f"{path}|{st.st_size}|{st.st_mtime_ns}|{st.st_mode}|{st.st_uid}"
                    )
                    digest.update(fact.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:32]
