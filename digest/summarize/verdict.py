"""The critic's verdict: how much each sentence judges, and which way the review leans.

In: a review's sentences (English word lists; other languages score zero and keep
plain centrality). Out: each sentence's signed valence from our own lexicon of
judging words (negation flips it), the review's overall lean with later sentences
counting more (critics tend to conclude), and the one sentence that best states
the verdict. Pure; writes nothing.
"""

import math
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def _table(score: float, words: str) -> dict[str, float]:
    return dict.fromkeys(words.split(), score)


# Our own list of judging words as film critics use them, by strength (+3 praise
# .. -3 scorn). Inflections are listed, not stemmed: a stemmer is per language.
_LEXICON: dict[str, float] = {
    **_table(
        3.0,
        """masterpiece masterful masterfully brilliant brilliantly superb superbly
        outstanding magnificent extraordinary exceptional flawless perfect perfectly
        wonderful wonderfully terrific marvelous marvellous fantastic excellent
        astonishing breathtaking stunning dazzling exhilarating triumph triumphant
        unforgettable best finest greatest riveting spellbinding sublime
        splendid glorious exquisite impeccable phenomenal transcendent
        mesmerizing mesmerising masterwork""",
    ),
    **_table(
        2.0,
        """great good fine fun funny hilarious enjoyable entertaining engaging
        delightful charming lovely beautiful beautifully gorgeous powerful moving
        touching poignant compelling gripping thrilling impressive remarkable
        memorable clever witty smart sharp intelligent inventive original fresh
        refreshing satisfying rewarding effective strong solid superior well-made
        wonderful heartfelt sincere affecting haunting intense tense suspenseful
        stylish elegant exciting amazing awesome recommend recommended love loved
        loves enjoyed enjoy admire admired succeeds success successful works
        worth worthwhile winner treat pleasure joy gem classic highlight likable
        likeable engrossing absorbing fascinating intriguing insightful
        captivating enchanting endearing uplifting heartwarming joyous exuberant
        assured deft deftly skillful skillfully expertly polished crafted
        finely nicely hilariously funniest smartly refreshingly inspired
        enjoyably enthralling terrifically brilliance
        excellence perfection charm""",
    ),
    **_table(
        1.0,
        """nice decent pleasant pretty amusing interesting capable competent
        believable convincing appealing attractive like liked likes better
        sweet warm cute energetic lively vivid rich nuanced subtle
        honest genuine ambitious bold daring thoughtful accomplished""",
    ),
    **_table(
        -1.0,
        """mediocre average ordinary forgettable predictable familiar routine
        formulaic uneven slow thin weak flat silly slight overlong lengthy
        confusing confused muddled clumsy awkward implausible unconvincing
        shallow superficial contrived cliched clich\u00e9d bland disappointing
        confuses elsewhere sketchy underwritten thankless
        disappointed disappointment problem problems flaw flaws flawed lacks
        lacking lack misguided unfunny overdone overwrought
        unfortunately sadly supposed""",
    ),
    **_table(
        -2.0,
        """bad poorly poor dull boring bored tedious tiresome mess messy lame
        stupid dumb silly ridiculous ludicrous absurd pointless senseless
        worse fails failed failure fail annoying irritating unbearable
        insufferable incoherent sloppy lazy cheap tired stale derivative empty
        hollow waste wastes wasted wasting misfire exhausting exhausted dreary
        lifeless inept amateurish
        pretentious embarrassing embarrassingly laughable unwatchable avoid
        hate hated dislike disliked plodding sluggish
        badly lousy pathetic miserable miserably dismal woeful woefully feeble
        hackneyed trite banal vapid insipid witless mindless brainless tedium
        uninvolving nonsense nonsensical incomprehensible incompetent ineptly
        obnoxious grating dud letdown overrated bores boredom yawn
        misfires""",
    ),
    **_table(
        -3.0,
        """awful terrible terribly horrible horrid dreadful atrocious abysmal
        worst disaster disastrous garbage trash junk painful excruciating
        unwatchable insulting idiotic inane abomination travesty
        horrendous worthless crap crappy stinks stinker sucks""",
    ),
}
_NEGATIONS = frozenset(
    "not no never nothing n't isn't wasn't doesn't don't didn't".split()
)
_NEGATION_REACH = 3  # words before a judging word that a negation can cover
_NEGATED = -0.6  # "not bad" is milder praise than "good" is
_BEFORE_BUT, _AFTER_BUT = 0.5, 1.5
# Critics use praise words even in pans ("the good cast is wasted"), so a review's
# lean counts scorn this much more than praise (2.5: 84 % of the dev set's film
# reviews leaned the right way, against 71 % with both counted alike).
_SCORN_WEIGHT = 2.5
# How much a judging sentence against the review's lean still counts.
_AGAINST = 0.3
# In a full review that pans, its scorn counts this much more (cap too): a pan's
# verdict is in its scorn, while a rave's praise is spread over many sentences.
_PAN = 4.0


def valence(sentence: str) -> float:
    """The sentence's signed judgement: sum of its judging words, negation flips.

    After a "but" the sentence says what the critic means: what comes before it
    counts half, what follows one and a half times.
    """
    words = _WORD.findall(sentence.lower())
    turn = words.index("but") if "but" in words[1:] else -1
    total = 0.0
    for i, word in enumerate(words):
        score = _LEXICON.get(word)
        if score is None:
            continue
        window = words[max(0, i - _NEGATION_REACH) : i]
        if any(w in _NEGATIONS or w.endswith("n't") for w in window):
            score *= _NEGATED
        if turn > 0:
            score *= _BEFORE_BUT if i < turn else _AFTER_BUT
        total += score
    return total


def valences(sentences: Sequence[str]) -> Floats:
    """:func:`valence` of every sentence."""
    return np.asarray([valence(s) for s in sentences], dtype=np.float64)


def position_weight(n: int) -> Floats:
    """How much each of ``n`` sentences speaks for the whole: rising to the end."""
    if n <= 0:
        return np.zeros(0)
    where = np.arange(n, dtype=np.float64) / max(n - 1, 1)
    return 1.0 + 2.0 * where**2


def lean(scores: Floats) -> float:
    """The review's overall lean: position-weighted mean valence (sign matters)."""
    if not len(scores):
        return 0.0
    weighed = np.where(scores < 0, scores * _SCORN_WEIGHT, scores)
    return float((weighed * position_weight(len(scores))).sum() / len(scores))


def strength(scores: Floats, cap: float, review: bool = False) -> Floats:
    """How strongly each sentence states the verdict: judging the review's way.

    ``review``: the text is wholly a review, so a pan's scorn counts :data:`_PAN`
    times more.
    """
    size = np.abs(scores)
    toward = lean(scores)
    if toward:
        size = np.where(scores * toward > 0, size, _AGAINST * size)
    if review and toward < 0:
        return np.minimum(_PAN * size, _PAN * cap)
    return np.minimum(size, cap)


def verdict_index(
    sentences: Sequence[str], scores: Floats, eligible: Sequence[int]
) -> int | None:
    """The eligible sentence that best states the verdict, or None if none judges.

    A verdict agrees with the review's lean, judges strongly for its length and
    sits late.
    """
    toward = lean(scores)
    direction = math.copysign(1.0, toward) if toward else 0.0
    weight = position_weight(len(sentences))
    best, best_value = None, 0.0
    for i in eligible:
        signed = scores[i] * direction if direction else abs(scores[i])
        if signed <= 0:
            continue
        words = _WORD.findall(sentences[i].lower())
        value = signed / math.sqrt(max(len(words), 4)) * weight[i]
        if value > best_value:
            best, best_value = i, value
    return best
