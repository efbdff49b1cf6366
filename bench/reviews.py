"""Realistic film reviews for the benchmarks, made up from our own word lists.

Usage: ``python bench/reviews.py FOLDER [--n 50] [--seed 1]``

:func:`write_reviews` writes ``n`` Markdown reviews (``review-0001.md`` ...) into a
folder: a title, 350-900 words in a few paragraphs of opinionated sentences (premise,
performances, craft, doubts, verdict) with names and numbers, sometimes YAML front
matter (critic, outlet, rating, date) and sometimes a line of facts ("Rated PG-13.
1h 52m."). Every word comes from the lists and templates below; the same ``n`` and
``seed`` always give the same files, and no two reviews share a title or a text.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MIN_WORDS = 350
MAX_WORDS = 900

FIRST = """Ada Bram Celia Dario Edith Farid Greta Hollis Ines Jonah Kasia Lionel Mara
Nikolai Odile Pavel Quinn Rosa Silas Tamsin Ulric Vera Wendell Yusuf Zora Anselm Bettina
Corin Delphine Emeka Florian Gideon Hana Ilse Jasper Kofi Leona Magnus Noor Oren Petra
Rafael Sunniva Thaddeus Uma Viggo Wren Ximena Yara""".split()
LAST = """Abernathy Baptiste Castellano Dunmore Eklund Fairweather Galloway Hartigan
Iwata Jessup Kowalczyk Lindqvist Marchetti Nakagawa Oyelaran Pembrook Quarles Rasmussen
Santangelo Thorne Underhill Valdivia Whitlock Yamamoto Zeller Ashcombe Brightwater
Cordova Delacroix Esposito Faraday Grimaldi Holloway Ingersoll Jankowski Kilbride
Lachance Montgomery Nyström Ostrander Petrakis Quintero Rowntree Strand
Tremaine""".split()
OUTLETS = """The Harbour Review|Northern Screen|The Weekly Projector|Reel Notes|Lantern
Film Quarterly|The Evening Ledger|Balcony Seats|Midland Courier|Frame Rate|The Late
Show Journal|Cinema Almanac|The Copper Gazette""".replace("\n", " ").split("|")
ADJ = """Silent Crimson Hollow Last Broken Golden Distant Quiet Burning Winter Paper
Northern Glass Velvet Iron Lonely Salt Restless Borrowed Hidden""".split()
NOUN = """Harbor Orchard Signal Kingdom Mirror Frontier Lantern Season Garden Engine
Archive Tide Furnace Meridian Canyon Chorus Ledger Compass Citadel Harvest""".split()
PLACES = """Lisbon|rural Ohio|a Baltic port town|the Scottish Highlands|Marseille|a
mining town in Chile|Osaka|the Mojave|a Norwegian fjord|Montreal|the Welsh valleys|a
Louisiana bayou|Tbilisi|a Greek island|Winnipeg|the outskirts of Naples""".replace(
    "\n", " "
).split("|")

POSITIVE = """precise generous luminous gripping tender assured witty bracing
confident haunting elegant vivid patient humane""".split()
NEGATIVE = """muddled sluggish overstuffed timid shrill weightless lopsided
predictable heavy-handed glib bloated airless""".split()


@dataclass(frozen=True)
class Genre:
    name: str
    premises: tuple[str, ...]
    things: tuple[str, ...]


GENRES = (
    Genre(
        "thriller",
        (
            "a night-shift nurse who witnesses something she should not have",
            "a retired safecracker pulled into one last job by his estranged son",
            "two journalists chasing a leak that leads back to their own editor",
            "a ferry captain who discovers a stowaway with a stolen hard drive",
        ),
        ("the chase", "the double cross", "the stakeout", "the final standoff"),
    ),
    Genre(
        "drama",
        (
            "three sisters who return home to sell the family farm",
            "a widowed piano teacher and the difficult teenager she takes on",
            "a union organizer facing the factory that employs his whole town",
            "a father and daughter driving across the country to scatter ashes",
        ),
        ("the funeral", "the kitchen argument", "the long drive", "the reunion"),
    ),
    Genre(
        "comedy",
        (
            "a wedding planner forced to organize her ex-husband's wedding",
            "two rival food-truck owners stranded at the same festival",
            "a hapless substitute teacher who accidentally becomes a school legend",
            "an accountant who inherits a failing circus",
        ),
        ("the rehearsal dinner", "the talent show", "the car wash", "the audit"),
    ),
    Genre(
        "science fiction",
        (
            "a crew of miners stranded on a moon their company has abandoned",
            "a linguist asked to translate a signal that repeats every 47 minutes",
            "a city where memories can be sold at the pawnshop",
            "an engineer who wakes up on a colony ship decades too early",
        ),
        ("the airlock", "the launch", "the first contact", "the reactor room"),
    ),
    Genre(
        "horror",
        (
            "a family that moves into a lighthouse with a locked top floor",
            "a podcast crew investigating a village that vanished in 1952",
            "a babysitter who notices the children's drawings keep changing",
            "a hiking group that finds the same campsite every night",
        ),
        ("the cellar", "the seance", "the blackout", "the road out of town"),
    ),
    Genre(
        "documentary",
        (
            "the last independent bookshop in a city of two million people",
            "a team of volunteers restoring a wrecked tall ship",
            "a chess prodigy and the coach who gave up everything for her",
            "a small-town radio station on its final year on the air",
        ),
        ("the archive footage", "the interviews", "the final broadcast", "the vote"),
    ),
    Genre(
        "animation",
        (
            "a paper crane that comes to life in a print shop",
            "a young fox who must guide her family through a flooded forest",
            "a lighthouse robot who collects lost letters",
            "two siblings who shrink to the size of beetles on a school trip",
        ),
        ("the storm", "the flight", "the market sequence", "the lullaby"),
    ),
    Genre(
        "western",
        (
            "a widow defending her water rights against a railroad company",
            "a bounty hunter escorting a prisoner across 300 miles of desert",
            "a travelling dentist mistaken for a notorious gunslinger",
            "two brothers who inherit a ranch and a feud",
        ),
        ("the river crossing", "the saloon scene", "the ambush", "the auction"),
    ),
)

OPENING = (
    '"{title}" is {a_pos} {genre} about {premise}, and for most of its {minutes} '
    "minutes it knows exactly what it wants to be.",
    "On paper, {title} sounds like a hundred other films: {premise}.",
    "{director}'s new {genre} follows {premise}, and it wastes no time getting there.",
    "There is a moment early in {title} when {lead} simply looks out of a window, and "
    "the whole film seems to hold its breath.",
    "It has been {count} years since {dlast} last made a feature, and {title} feels "
    "like the work of someone with a lot stored up.",
    "The setup of {title} is simple: {premise}.",
    "Set in {place} in the winter of {year}, {title} is a {genre} about {premise}.",
    "Few films this year arrive with as much noise as {title}, and fewer deserve it.",
    "{title} opens with a long, unbroken shot of {place}, and it is a promise the "
    "rest of the film mostly keeps.",
    "Some {genre} films want to thrill you; {title} mostly wants you to listen.",
)
STORY = (
    "The script, by {writer}, takes its time, letting small details pile up before "
    "anything dramatic happens.",
    "Much of the story plays out in {place}, which the film turns into a character "
    "of its own.",
    "The first half hour is careful, maybe too careful, but it pays off when "
    "{thing} finally arrives.",
    "{role}, the character at the centre of it all, is stubborn, funny and often "
    "wrong, which makes her easy to follow.",
    "What begins as a simple premise turns into something stranger and sadder by the "
    "midpoint.",
    "The plot has at least {count} twists, and only one of them feels unearned.",
    "It is a film about people who cannot say what they mean, and {dlast} lets the "
    "silences do a lot of the work.",
    "The middle stretch loses some focus, circling the same arguments more than once.",
    "By the time {thing} comes around, the film has earned every ounce of tension.",
    "The screenplay keeps {role}'s past deliberately vague, and that restraint is one "
    "of its smartest choices.",
    "A subplot involving {role2} and a missing ledger never quite connects to the "
    "rest.",
    "The story moves between {year} and the present day, and the cuts between them "
    "are handled with real confidence.",
)
CAST = (
    "{lead} gives the performance of her career as {role}, {a_pos} turn that never "
    "begs for sympathy.",
    "{lead} is {pos} in the lead, finding humour in places the script did not seem "
    "to leave room for.",
    "As {role2}, {second} is a revelation, all nervous charm and sudden anger.",
    "{second} has less to do, but makes every scene count.",
    "The supporting cast is uneven: {third} is wonderful, while others seem to be "
    "acting in a different film.",
    "{llast} and {slast} have an easy, lived-in chemistry that sells the "
    "relationship long before the script does.",
    "{third} steals the film in just {count} scenes as a neighbour who knows more "
    "than she lets on.",
    "It is hard to imagine anyone but {lead} in this role.",
    "{second} overplays the villain, chewing through every line as if it might be "
    "the last.",
    "Even the smallest parts are cast with care; a {age}-year-old newcomer, {fourth}, "
    "nearly walks away with the final act.",
    "{llast} has rarely been better, and rarely been given this much room.",
)
CRAFT = (
    "The cinematography by {dp} is {pos}, all cold blues and sudden bursts of amber.",
    "{dp} shoots {place} with {a_pos} eye, favouring long lenses and longer takes.",
    "The score, by {composer}, does a lot of heavy lifting, sometimes too much.",
    "{composer}'s music is sparing and strange, mostly low strings and a detuned "
    "piano.",
    "The editing is tight for the first hour and then oddly slack.",
    "At {minutes} minutes, the film is at least {slack} minutes longer than it needs "
    "to be.",
    "The sound design deserves its own paragraph: every creak and breath is placed "
    "with care.",
    "Visually, it is {a_pos} piece of work, even when the story wobbles.",
    "The production design makes {place} feel both specific and slightly unreal.",
    "{thing_cap} is staged in a single take that lasts nearly {count} minutes, and it "
    "is the best sequence in the film.",
    "The costumes and sets were reportedly built on a budget of about {budget} "
    "million dollars, and every cent is on the screen.",
)
DOUBTS = (
    "Not everything works.",
    "The film is not without problems, and most of them arrive in the last "
    "{count} minutes.",
    "The dialogue can be {neg}, especially when characters explain their feelings "
    "out loud.",
    "There are stretches where the film feels {neg}, as if it were afraid of its own "
    "premise.",
    "A late flashback explains too much and undercuts the mystery the film spent an "
    "hour building.",
    "Some viewers will find the pace {neg}; I found it mostly hypnotic.",
    "The ending is tidy in a way the rest of the film is not.",
    "It borrows heavily from better films, and it shows.",
    "The humour does not always land, and one running joke outstays its welcome.",
    "{role2}'s change of heart happens off screen, which feels like a missing scene.",
)
VERDICT_GOOD = (
    "{title} is one of the best films of the year, and it deserves a big screen.",
    "See it with someone you love, and then talk about it all the way home.",
    "It is {a_pos}, moving film, and I expect to think about it for a long time.",
    "{dlast} has made something rare: a crowd-pleaser with a brain.",
    "Whatever its flaws, {title} is alive in a way few films manage.",
    "I would happily watch it again tomorrow.",
)
VERDICT_MIXED = (
    "{title} is a film of great moments rather than a great film.",
    "It is worth seeing for {lead} alone, even if the film around her falters.",
    "There is a better film buried in here, and sometimes it comes up for air.",
    "Fans of the genre will find plenty to enjoy; everyone else may check their "
    "watches.",
    "It is uneven, often frustrating and never boring.",
)
VERDICT_BAD = (
    "{title} is {a_neg} misfire from a director capable of much more.",
    "It is hard to recommend, except as a curiosity.",
    "By the end, even {lead} seems to be waiting for it to finish.",
    "Skip it, or wait until it turns up on a long flight.",
    "For all its ambition, {title} never finds a reason to exist.",
)
CERTIFICATES = ("G", "PG", "PG-13", "R", "Not rated")


@dataclass(frozen=True)
class GeneratedReview:
    """One made-up review: its file name, title and full file text."""

    name: str
    title: str
    text: str
    words: int


def _person(rng: random.Random, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in used:
            used.add(name)
            return name


def _article(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _title(rng: random.Random, taken: set[str]) -> str:
    while True:
        pick = rng.randrange(5)
        if pick == 0:
            title = f"The {rng.choice(ADJ)} {rng.choice(NOUN)}"
        elif pick == 1:
            title = f"{rng.choice(NOUN)} of {rng.choice(NOUN)}s"
        elif pick == 2:
            title = f"{rng.choice(FIRST)}'s {rng.choice(NOUN)}"
        elif pick == 3:
            title = f"{rng.choice(ADJ)} {rng.choice(NOUN)}"
        else:
            title = f"A {rng.choice(NOUN)} in {rng.choice(ADJ)}"
        if title not in taken:
            taken.add(title)
            return title


def _slots(rng: random.Random, title: str, genre: Genre) -> dict[str, str]:
    people: set[str] = set()
    director, writer, lead, second, third, fourth, dp, composer = (
        _person(rng, people) for _ in range(8)
    )
    pos, neg = rng.choice(POSITIVE), rng.choice(NEGATIVE)
    thing = rng.choice(genre.things)
    minutes = rng.randrange(82, 176)
    return {
        "title": title,
        "genre": genre.name,
        "premise": rng.choice(genre.premises),
        "thing": thing,
        "thing_cap": thing[0].upper() + thing[1:],
        "director": director,
        "dlast": director.split()[1],
        "writer": writer,
        "lead": lead,
        "llast": lead.split()[1],
        "second": second,
        "slast": second.split()[1],
        "third": third,
        "fourth": fourth,
        "dp": dp,
        "composer": composer,
        "role": rng.choice(FIRST),
        "role2": rng.choice(FIRST),
        "place": rng.choice(PLACES),
        "year": str(rng.randrange(1921, 2019)),
        "minutes": str(minutes),
        "slack": str(rng.choice((10, 15, 20, 25))),
        "count": str(rng.randrange(2, 12)),
        "age": str(rng.randrange(9, 19)),
        "budget": str(rng.randrange(3, 90)),
        "pos": pos,
        "neg": neg,
        "a_pos": _article(pos),
        "a_neg": _article(neg),
    }


def _fill(template: str, slots: dict[str, str], rng: random.Random) -> str:
    # A fresh small number for each sentence, so one review's counts differ.
    sentence = template.format_map({**slots, "count": str(rng.randrange(2, 12))})
    return sentence[0].upper() + sentence[1:]


def _paragraphs(sentences: list[str], rng: random.Random) -> list[str]:
    """Cut one section's sentences into paragraphs of two to five sentences."""
    out = []
    while sentences:
        size = len(sentences) if len(sentences) <= 5 else rng.randrange(2, 5)
        out.append(" ".join(sentences[:size]))
        sentences = sentences[size:]
    return out


def _fact_line(rng: random.Random, minutes: int) -> str:
    cert = rng.choice(CERTIFICATES)
    hours, rest = divmod(minutes, 60)
    runtime = f"{hours}h {rest}m." if rng.random() < 0.6 else f"{minutes} minutes."
    rated = f"Rated {cert}." if cert != "Not rated" else "Not rated."
    return f"{rated} {runtime}"


def make_review(rng: random.Random, index: int, taken: set[str]) -> GeneratedReview:
    """One review with a title not in ``taken``; its body is 350-900 words."""
    title = _title(rng, taken)
    genre = rng.choice(GENRES)
    slots = _slots(rng, title, genre)
    mood = rng.random()
    verdicts = (
        VERDICT_GOOD if mood > 0.6 else VERDICT_MIXED if mood > 0.3 else VERDICT_BAD
    )
    target = rng.randrange(MIN_WORDS + 30, MAX_WORDS - 60)
    # Sections: opening, story, cast, craft, doubts, verdict. Each starts with a
    # few sentences; the middle four grow by one sentence at a time until the
    # review reaches its target length (or every template has been used).
    pools = (OPENING, STORY, CAST, CRAFT, DOUBTS, verdicts)
    order = [rng.sample(range(len(pool)), len(pool)) for pool in pools]
    counts = [2, 3, 3, 3, 2, 2]
    sections = [
        [_fill(pools[i][t], slots, rng) for t in order[i][: counts[i]]]
        for i in range(len(pools))
    ]
    words = sum(len(x.split()) for section in sections for x in section)
    growable = [i for i in range(1, 5) if counts[i] < len(pools[i])]
    while words < target and growable:
        i = rng.choice(growable)
        extra = _fill(pools[i][order[i][counts[i]]], slots, rng)
        counts[i] += 1
        if counts[i] == len(pools[i]):
            growable.remove(i)
        sections[i].insert(rng.randrange(1, len(sections[i]) + 1), extra)
        words += len(extra.split())
    body = "\n\n".join(p for section in sections for p in _paragraphs(section, rng))
    if rng.random() < 0.5:
        body += "\n\n" + _fact_line(rng, int(slots["minutes"]))
    header: str
    style = rng.randrange(3)
    if style == 0:
        stars = 1 + round(mood * 4)
        header = (
            "---\n"
            f"title: {title}\n"
            f"critic: {_person(rng, set())}\n"
            f"outlet: {rng.choice(OUTLETS)}\n"
            f"rating: {stars}/5\n"
            f"date: 2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}\n"
            "---\n\n"
        )
    elif style == 1:
        header = f"# {title}\n\n"
    else:
        header = f"{title}\n\n"
    text = header + body + "\n"
    return GeneratedReview(f"review-{index:04d}.md", title, text, len(body.split()))


def generate_reviews(n: int, seed: int = 1) -> list[GeneratedReview]:
    """``n`` distinct reviews, the same for the same ``n`` and ``seed``."""
    rng = random.Random(seed)
    taken: set[str] = set()
    return [make_review(rng, i + 1, taken) for i in range(n)]


def write_reviews(folder: Path, n: int, seed: int = 1) -> list[Path]:
    """Write ``n`` reviews into ``folder`` (created if needed); their paths in order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for review in generate_reviews(n, seed):
        path = folder / review.name
        path.write_text(review.text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    paths = write_reviews(args.folder, args.n, args.seed)
    print(f"Wrote {len(paths)} reviews to {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
