"""Ingest of every input format: fixtures in tests/fixtures/inputs, encodings,
front matter, field mappings, stdin, language detection."""

import io
import json
import logging
from datetime import date
from pathlib import Path

import pytest

from digest.errors import ExitCode, InputError, UsageError
from digest.ingest.encoding import decode_text
from digest.ingest.fields import as_date, as_language, as_rating, as_text
from digest.ingest.language import detect_language
from digest.ingest.reader import (
    MAX_REVIEW_CHARS,
    MAX_TEXT_BYTES,
    IngestOptions,
    ingest,
    parse_field_specs,
    read_review,
    read_reviews,
)
from digest.models import Review

INPUTS = Path(__file__).parent / "fixtures" / "inputs"


def write(path: Path, content: str | bytes) -> Path:
    """Write UTF-8 text or raw bytes, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def by_title(reviews: tuple[Review, ...] | list[Review]) -> dict[str, Review]:
    return {r.title: r for r in reviews}


# --- one fixture per format ----------------------------------------------------


def test_markdown_front_matter_fills_every_field() -> None:
    review = read_review(INPUTS / "salt-and-iron.md")
    assert review.title == "Salt and Iron"
    assert review.critic == "Nora Vance"
    assert review.outlet == "The Harbour Review"
    assert review.rating == "4/5"
    assert review.url == "https://example.org/reviews/salt-and-iron"
    assert review.published == date(2024, 3, 8)
    assert review.language == "en"
    assert review.text.startswith("Salt and Iron opens on a trawler")
    assert "---" not in review.text
    assert "# Salt and Iron" not in review.text


def test_plain_text_title_line() -> None:
    review = read_review(INPUTS / "the-quiet-orchard.txt")
    assert review.title == "The Quiet Orchard"
    assert review.text.startswith("There is a moment")
    assert (review.critic, review.url, review.language) == (None, None, "en")


def test_cp1252_french_review_without_mojibake() -> None:
    review = read_review(INPUTS / "jardin-d-hiver.txt")
    assert review.title == "Le Jardin d'hiver"
    assert "délicatesse" in review.text
    assert "« Amélie »" in review.text
    assert "Ã" not in review.text
    assert review.language == "fr"


def test_utf16_german_review() -> None:
    review = read_review(INPUTS / "die-stille-stadt.txt")
    assert review.title == "Die stille Stadt"
    assert "erzählt" in review.text
    assert "großartig" in review.text
    assert review.language == "de"


def test_html_page_article_and_metadata() -> None:
    review = read_review(INPUTS / "paper-moons.html")
    assert review.title.startswith("Paper Moons review")
    assert review.critic == "Dev Patel-Okafor"
    assert review.outlet == "Screen Notes"
    assert review.published == date(2023, 11, 17)
    assert review.language == "en"
    assert review.text.startswith("Paper Moons is the kind of first feature")
    assert review.text.endswith("a director worth watching.")
    for boilerplate in (
        "analytics",
        "tracking code",
        "font-family",
        "Newsletter",
        "Festivals",
        "Most read",
        "All rights reserved",
        "footer script",
        "Advertisement",
    ):
        assert boilerplate not in review.text, boilerplate
    assert review.text.count("\n\n") == 3  # four paragraphs


def test_json_collection_with_nested_fields_and_html_body() -> None:
    reviews = by_title(read_reviews(INPUTS / "reviews.json"))
    assert list(reviews) == ["Harbour Lights", "The Long Field"]
    lights = reviews["Harbour Lights"]
    assert lights.critic == "Ines Calder"
    assert lights.outlet == "Northern Screen"
    assert lights.rating == "4/5"
    assert lights.published == date(2024, 4, 12)
    assert lights.url == "https://example.org/harbour-lights"
    assert lights.text.count("\n\n") == 1
    field = reviews["The Long Field"]
    assert field.critic == "Sam Okoro"
    assert field.rating == "3"
    assert field.published == date(2024, 4, 19)  # RFC 2822 date
    assert "<p>" not in field.text
    assert field.text.split("\n\n")[1].startswith("It plays them")


def test_jsonl_collection_with_schema_org_names() -> None:
    reviews = read_reviews(INPUTS / "reviews.jsonl")  # has a blank line
    assert [r.title for r in reviews] == ["Glass Houses", "Winter Bees", "Static"]
    assert reviews[0].critic == "Pia Lund"
    assert reviews[0].rating == "7/10"
    assert reviews[1].published == date(2024, 2, 8)
    assert reviews[2].language == "en"


def test_csv_collection_with_quoted_multiline_text() -> None:
    reviews = read_reviews(INPUTS / "reviews.csv")
    assert [r.title for r in reviews] == ["Copper Sky", "Lantern Street"]
    sky = reviews[0]
    assert sky.text.count("\n\n") == 1
    assert (sky.critic, sky.outlet, sky.rating) == (
        "Ruth Adler",
        "The Daily Reel",
        "2 stars",
    )
    assert sky.published == date(2024, 1, 20)


def test_rss_feed_prefers_full_content_and_skips_empty_entries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reviews = read_reviews(INPUTS / "film-club.rss")
    assert [r.title for r in reviews] == ["Orchard Road", "Red Ledger"]
    road = reviews[0]
    assert road.text.startswith("Orchard Road is a quiet family drama")
    assert "teaser" not in road.text
    assert "alert" not in road.text
    assert "<p>" not in road.text
    assert road.critic == "Lena Fischer"
    assert road.outlet == "Film Club Weekly"
    assert road.url == "https://example.org/film-club/orchard-road"
    assert road.published == date(2024, 3, 4)
    assert road.language == "en"
    assert "entry 3 (Announcement) has no text; skipped" in caplog.text


def test_atom_feed_in_french() -> None:
    (review,) = read_reviews(INPUTS / "festival-notes.atom")
    assert review.title == "Le Dernier Été"
    assert review.critic == "Claire Dumas"
    assert review.outlet == "Carnet de festival"
    assert review.published == date(2024, 6, 1)
    assert review.language == "fr"
    assert review.text.count("\n\n") == 1


def test_the_fixture_folder_reads_every_format_in_name_order() -> None:
    reviews = ingest([INPUTS])
    assert len(reviews) == 15
    assert [r.source.name for r in reviews] == sorted(r.source.name for r in reviews)
    assert {r.source.suffix for r in reviews} == {
        ".txt",
        ".md",
        ".html",
        ".json",
        ".jsonl",
        ".csv",
        ".rss",
        ".atom",
    }
    assert all(r.text and r.title for r in reviews)
    assert {r.language for r in reviews} == {"en", "fr", "de"}


# --- front matter --------------------------------------------------------------


def test_front_matter_language_overrides_detection(tmp_path: Path) -> None:
    text = "---\nlanguage: fr-CA\n---\nThe film is a triumph of style and heart.\n"
    assert read_review(write(tmp_path / "r.md", text)).language == "fr"


def test_front_matter_aliases_and_types(tmp_path: Path) -> None:
    text = (
        "---\nTitle: Night Bus\nauthor: [Ann Lee, Bo Kim]\npublication: Reel\n"
        "rating: 3.5\ndate: March 5, 2024\nextra: ignored\n---\n\n"
        "A short and happy film about a bus driver and her passengers.\n"
    )
    review = read_review(write(tmp_path / "r.md", text))
    assert review.title == "Night Bus"
    assert review.critic == "Ann Lee, Bo Kim"
    assert review.outlet == "Reel"
    assert review.rating == "3.5"
    assert review.published == date(2024, 3, 5)


def test_front_matter_unusable_value_is_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = "---\ndate: someday\nurl: not a url\n---\nA fine film with a good heart.\n"
    review = read_review(write(tmp_path / "r.md", text))
    assert review.published is None
    assert review.url is None
    assert "front matter 'date' value 'someday' is not usable" in caplog.text


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        pytest.param(
            "---\ntitle: ok\ncritic: [unclosed\n---\nBody text here.\n",
            3,
            "malformed front matter",
            id="unclosed-list",
        ),
        pytest.param(
            "---\ntitle: a: b: c\n---\nBody text here.\n",
            2,
            "malformed front matter",
            id="colon-in-plain-scalar",
        ),
        pytest.param(
            "---\n- just\n- a list\n---\nBody text here.\n",
            2,
            "not a list of 'key: value' lines",
            id="not-a-mapping",
        ),
        pytest.param(
            "---\ntitle: Never closed\n\nBody text here.\n",
            1,
            "never closed",
            id="never-closed",
        ),
        pytest.param(
            "---\ntitle: ok\n\tcritic: tab\n---\nBody.\n",
            3,
            "malformed front matter",
            id="tab-indent",
        ),
    ],
)
def test_malformed_front_matter_names_file_and_line(
    tmp_path: Path, text: str, line: int, what: str
) -> None:
    path = write(tmp_path / "broken.md", text)
    with pytest.raises(InputError, match=what) as info:
        read_review(path)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert "\n" not in str(info.value)


def test_a_leading_markdown_rule_is_not_front_matter(tmp_path: Path) -> None:
    text = "---\n\nA film that opens with a rule and never looks back.\n"
    review = read_review(write(tmp_path / "rule.md", text))
    assert review.text == "---\n\nA film that opens with a rule and never looks back."


def test_front_matter_without_body_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path / "meta.md", "---\ntitle: Only Meta\n---\n\n")
    with pytest.raises(InputError, match="only front matter"):
        read_review(path)


def test_yaml_alias_bomb_in_front_matter_is_harmless(tmp_path: Path) -> None:
    bomb = (
        "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b]\ncritic: [*c, *c, *c, *c, *c, *c]\n---\n"
        "A film review body with a few words in it.\n"
    )
    review = read_review(write(tmp_path / "alias.md", bomb))
    assert review.critic is None


# --- field mappings ------------------------------------------------------------


def test_parse_field_specs() -> None:
    assert parse_field_specs(["text=reviewBody", " critic = author.name "]) == {
        "text": "reviewBody",
        "critic": "author.name",
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("textreviewBody", "expected FIELD=KEY"),
        ("text=", "expected FIELD=KEY"),
        ("=body", "expected FIELD=KEY"),
        ("summary=body", "'summary' is not a review field"),
    ],
)
def test_bad_field_specs_are_usage_errors(spec: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as info:
        parse_field_specs([spec])
    assert info.value.exit_code == ExitCode.USAGE


def test_options_are_frozen_and_validated() -> None:
    options = IngestOptions(fields={"text": "reviewBody"})
    with pytest.raises(TypeError):
        options.fields["text"] = "x"  # type: ignore[index]
    with pytest.raises(UsageError, match="unknown review field 'nope'"):
        IngestOptions(fields={"nope": "x"})
    with pytest.raises(UsageError, match="timeout"):
        IngestOptions(timeout_s=0)
    assert IngestOptions.from_strings(["text=x"]).fields == {"text": "x"}


def test_field_mapping_reads_other_keys(tmp_path: Path) -> None:
    records = [
        {
            "name": "Ignored",
            "headline": "Mapped Title",
            "content": "wrong text",
            "opinion": {"full": "The mapped body of a lovely film review."},
            "by": "Kit Moss",
        },
    ]
    path = write(tmp_path / "odd.json", json.dumps(records))
    options = IngestOptions.from_strings(
        ["title=headline", "text=opinion.full", "critic=by"]
    )
    (review,) = ingest([path], options)
    assert review.title == "Mapped Title"
    assert review.text == "The mapped body of a lovely film review."
    assert review.critic == "Kit Moss"


def test_field_mapping_to_a_missing_key_names_it(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "title,body\nA,Some text for a review.\n")
    with pytest.raises(InputError, match="no record has a 'reviewBody' field"):
        ingest([path], IngestOptions(fields={"text": "reviewBody"}))


def test_csv_headers_match_case_insensitively_and_semicolons(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.csv",
        "Title;Text;Author\nLoud Quiet;A film of loud and quiet moments.;Jo\n",
    )
    (review,) = ingest([path])
    assert (review.title, review.critic) == ("Loud Quiet", "Jo")


def test_tsv_and_records_without_titles(tmp_path: Path) -> None:
    path = write(
        tmp_path / "notes.tsv",
        "text\trating\nA gentle comedy about two “Old Dogs” and “Old Dogs” again.\t3\n"
        "A second review of another film entirely, with no title.\t4\n",
    )
    reviews = ingest([path])
    assert [r.title for r in reviews] == ["Old Dogs", "Notes, line 3"]


def test_json_single_object_and_skipped_records(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    one = write(tmp_path / "one.json", '{"title": "Solo", "text": "One review only."}')
    assert [r.title for r in ingest([one])] == ["Solo"]
    mixed = write(
        tmp_path / "mixed.json",
        '[{"title": "Good", "text": "The text of a good one."}, 7, {"title": "Empty"}]',
    )
    assert [r.title for r in ingest([mixed])] == ["Good"]
    assert "record 2 is not an object; skipped" in caplog.text
    assert "record 3 has no review text; skipped" in caplog.text


# --- stdin ---------------------------------------------------------------------


def test_stdin_text(caplog: pytest.LogCaptureFixture) -> None:
    data = "Moon River\n\nA soft, lovely film about a river and a town that loves it."
    (review,) = ingest(["-"], stdin=io.BytesIO(data.encode()))
    assert review.title == "Moon River"
    assert review.source == Path("<stdin>")


def test_stdin_html_and_json_are_sniffed() -> None:
    html = (INPUTS / "paper-moons.html").read_bytes()
    (page,) = ingest(["-"], stdin=io.BytesIO(html))
    assert page.critic == "Dev Patel-Okafor"
    data = (INPUTS / "reviews.json").read_bytes()
    assert len(ingest(["-"], stdin=io.BytesIO(data))) == 2


def test_stdin_text_that_starts_like_json_is_text() -> None:
    data = b"[Spoilers ahead] The twist arrives late and lands well in this film."
    (review,) = ingest(["-"], stdin=io.BytesIO(data))
    assert review.text.startswith("[Spoilers ahead]")
    assert review.title == "Untitled review"


def test_stdin_empty_is_an_input_error() -> None:
    with pytest.raises(InputError, match="<stdin>: review is empty"):
        ingest(["-"], stdin=io.BytesIO(b"  \n"))


def test_stdin_named_twice_is_read_once() -> None:
    stream = io.BytesIO(b"A review read from standard input, only once.")
    assert len(ingest(["-", "-"], stdin=stream)) == 1


# --- encodings -----------------------------------------------------------------


def test_mixed_utf8_with_stray_cp1252_quotes_is_repaired(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = "Café and crème: ".encode() + b"\x93quoted\x94 fine."
    assert decode_text(data, "m.txt") == "Café and crème: “quoted” fine."
    assert "2 byte sequence(s) not valid UTF-8" in caplog.text


def test_truncated_utf8_is_used_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = "Une fin très réussie, vraiment é".encode()[:-1]
    with caplog.at_level(logging.WARNING, logger="digest"):
        assert decode_text(data, "t.txt") == "Une fin très réussie, vraiment "
    assert len(caplog.records) == 1
    assert "ends in the middle of a UTF-8 character" in caplog.text


def test_truncated_utf8_when_we_cut_it_is_silent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = "très".encode()[:-2]
    assert decode_text(data, "t.txt", truncated=True) == "tr"
    assert not caplog.records


def test_broken_utf8_multibyte_sequence_is_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = "déjà vu, ".encode() + b"\xe2\x80 broken"
    assert decode_text(data, "b.txt") == "déjà vu,  broken"
    assert "b.txt" in caplog.text


def test_cyrillic_cp1251_is_not_read_as_cp1252() -> None:
    text = "Этот фильм рассказывает о маленьком городе и его жителях. " * 3
    assert decode_text(text.encode("cp1251"), "ru.txt") == text


def test_utf16_with_odd_trailing_byte_warns(caplog: pytest.LogCaptureFixture) -> None:
    data = "\ufeffGood text".encode("utf-16-le") + b"\x00"
    assert decode_text(data, "u.txt") == "Good text"
    assert "not valid utf-16-le" in caplog.text


# --- size caps, duplicates, tiny reviews --------------------------------------


def test_huge_text_file_is_capped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    paragraph = "The film is long and the review is longer still. " * 20 + "\n\n"
    path = tmp_path / "huge.txt"
    with path.open("w", encoding="utf-8") as handle:
        for _ in range(MAX_TEXT_BYTES * 3 // len(paragraph)):
            handle.write(paragraph)
    (review,) = ingest([path])
    assert len(review.text) <= MAX_REVIEW_CHARS
    assert review.text.endswith("longer still.")
    assert "larger than 1 MiB; only the start is read" in caplog.text
    assert len([r for r in caplog.records if r.levelname == "WARNING"]) == 1


def test_duplicate_texts_are_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body = "A duplicated review of a film, word for word."
    write(tmp_path / "d" / "a.txt", f"# First\n\n{body}")
    write(tmp_path / "d" / "b.txt", f"# Second\n\n  {body.upper()}  ")
    reviews = ingest([tmp_path / "d"])
    assert [r.title for r in reviews] == ["First"]
    assert "'Second' has the same text as 'First'" in caplog.text


def test_one_word_review_is_used_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (review,) = ingest([write(tmp_path / "one.txt", "Masterpiece.")])
    assert review.text == "Masterpiece."
    assert review.language is None  # too short to tell
    assert "has only 1 word(s)" in caplog.text


# --- language and metadata helpers --------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The film is a triumph of style, and it also has a warm heart.", "en"),
        ("Le film est un triomphe du style, et il a aussi beaucoup de cœur.", "fr"),
        ("Der Film ist ein Triumph des Stils und hat auch viel Herz.", "de"),
        ("La película es un triunfo del estilo y también tiene mucho corazón.", "es"),
        ("Il film è un trionfo di stile e ha anche un grande cuore.", "it"),
        ("ok", None),
        ("", None),
        ("1234 5678 !!!", None),
    ],
)
def test_detect_language(text: str, code: str | None) -> None:
    assert detect_language(text) == code
    assert detect_language(text) == code  # deterministic


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05", date(2024, 3, 5)),
        ("2024-03-05T10:00:00Z", date(2024, 3, 5)),
        ("Tue, 05 Mar 2024 10:00:00 GMT", date(2024, 3, 5)),
        ("March 5, 2024", date(2024, 3, 5)),
        ("5 March 2024", date(2024, 3, 5)),
        (date(2024, 3, 5), date(2024, 3, 5)),
        ("soon", None),
        (20240305.5, None),
        (None, None),
    ],
)
def test_as_date(value: object, expected: date | None) -> None:
    assert as_date(value) == expected


def test_value_helpers() -> None:
    assert as_text({"name": "  Ann   Lee "}) == "Ann Lee"
    assert as_text(True) is None
    assert as_text([["nested"], "flat"]) == "flat"
    assert as_rating(4.0) == "4"
    assert as_rating({"ratingValue": "B+"}) == "B+"
    assert as_language("English") == "en"
    assert as_language("pt_BR") == "pt"
    assert as_language("klingon language") is None


def test_language_detection_is_skipped_when_its_model_cannot_load(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import errno

    from py3langid.langid import LanguageIdentifier

    from digest.ingest import language

    def full_disk(*args: object, **kwargs: object) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    language._identifier.cache_clear()
    monkeypatch.setattr(LanguageIdentifier, "from_model_file", full_disk)
    try:
        text = "The orchard scenes are quiet, and the ending earns its tears."
        assert language.detect_language(text) is None
        assert language.detect_language(text) is None
    finally:
        language._identifier.cache_clear()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [
        "language detection skipped: cannot unpack its model (No space left on device)"
    ]


def test_plain_english_is_recognised_without_the_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from digest.ingest import language

    def no_model() -> None:
        raise AssertionError("the model was loaded for plain English")

    english = (
        "The film opens on a harbour at dawn, and for a while it is content to "
        "watch the boats come in. Its lead gives a performance of rare patience, "
        "but the second act sags under the weight of too many subplots. Still, "
        "the last ten minutes are among the best of the year, and the score by "
        "a newcomer is worth the ticket on its own."
    )
    monkeypatch.setattr(language, "_identifier", no_model)
    assert language.clearly_english(english)
    assert detect_language(english) == "en"


@pytest.mark.parametrize(
    "text",
    [
        # French, German and Dutch prose share few of the English marker words.
        "Le film est une réussite éclatante. La mise en scène est précise, les "
        "acteurs sont justes et la musique accompagne chaque scène avec une grande "
        "délicatesse. On regrette seulement que le scénario s'essouffle un peu dans "
        "la dernière partie, mais cela ne gâche pas le plaisir du spectateur.",
        "Der Film ist ein großer Erfolg. Die Regie ist präzise, die Schauspieler "
        "sind überzeugend und die Musik begleitet jede Szene mit viel Feingefühl. "
        "Man bedauert nur, dass das Drehbuch im letzten Teil etwas nachlässt, aber "
        "das verdirbt nicht den Spaß an diesem schönen und klugen Film.",
        "De film is een groot succes. De regie is precies, de acteurs zijn "
        "overtuigend en de muziek begeleidt elke scène met veel gevoel. Het is "
        "jammer dat het verhaal in het laatste deel wat inzakt, maar dat bederft "
        "het plezier niet voor iedereen die er was op die mooie avond.",
        # Too short to be sure either way: the model decides.
        "The end.",
    ],
)
def test_other_text_is_left_to_the_model(text: str) -> None:
    from digest.ingest.language import clearly_english

    assert not clearly_english(text)
