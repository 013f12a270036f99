"""Matching lines read on a screen to a corpus of dated headlines. Plain data, no Django.

The index maps the lemma of each word of each normalised headline
(``timeline.extract.lemmas``) to the headlines that contain it, as two sorted
arrays (lemma hash, headline) searched with numpy, so a million headlines fit
in memory and a line's candidates are found without scanning the corpus; the
same arrays give each lemma's rarity (IDF). A line, or two or three
consecutive lines joined (a headline in a narrow widget wraps), matches a
candidate in one of two ways:

1. It reads as the headline letter by letter (RapidFuzz), OCR's slips costing
   a few points of the score, not the match.
2. It says what the headline says in other forms, order or length, as news
   widgets reword titles: inflected (``Путин и Эрдоган провели переговоры``),
   cut short to its first clause, with an outlet or a time set beside it. The
   words of both are paired lemma by lemma, and the score is the rare-word
   weight they share (``HeadlineIndex.lemma_score``).

Precision comes first. A line needs ``MIN_WORDS`` meaningful words (three
for a headline cut short), so ``Новости``, ``Weather`` or a menu never match;
in either way a line that lacks a word of the headline while holding one of
its own in its place (another name, place or number) is another headline;
and the start of two different headlines matches neither.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
import zlib
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from timeline.extract.lemmas import lemma, one_script

MIN_WORDS = 4
MIN_CHARS = 20
# Whole-text similarity (0..100) a candidate needs; a headline inside a longer
# line needs a higher partial score and must itself be long.
MIN_SCORE = 91.0
# Short titles differ from their look-alikes by a word that costs few points.
SHORT_TITLE = 50
SHORT_SCORE = 94.0
MIN_PARTIAL_SCORE = 95.0
# A headline cut short must keep this share of its rare-word weight.
MIN_SHARE = 0.5
# ... unless what it keeps is a clause of four words or more whose rare-word weight names it alone.
MIN_CLAUSE_WEIGHT = 30.0
# At most this many words beside a headline (an outlet's name, a rubric).
MAX_BESIDE = 3
# RapidFuzz's token set ratio (0..100) below which a line and a headline are not compared word by word.
MIN_SHARED_WORDS_RATIO = 60.0
CACHED = 100_000
# Two spellings of one word, one of them with OCR's slips (0..1), in words of this many letters or more.
MIN_WORD_SIMILARITY = 0.7
MIN_SLIP_LETTERS = 5
RUN_TOGETHER_LETTERS = 5
_CUT_SHORT = ", cut short"
_DIGITS_OR_LETTERS = re.compile(r"\d+|\D+")
# What sets the parts of a widget's line apart: a dot, a bar or a dash between spaces, or a time.
_FIELDS = re.compile(r"\s[·•|—–-]\s|(?<![\d:])\d{1,2}:\d{2}(?![\d:])")
_LONE_DIGIT = re.compile(r"(?<=[^\W\d])[01](?=[^\W\d]|$)|^[01](?=[^\W\d]{2})")
# Letters OCR reads one for the other, in Latin and Cyrillic.
_LIKE_SHAPES = frozenset(
    frozenset(pair)
    for pair in ("ce", "o0", "l1", "il", "i1", "nh", "uv", "rn", "ес", "ин", "пн", "шщ", "ьъ", "б6", "з3", "о0")
)
_NUMBER = re.compile(r"\d+")
# Lemmas in more than this share of the corpus say little about which headline it is, and are not
# looked up (they still count in the score). Measured: 2% kept 0.25% more lines and cost 30% more time.
COMMON_WORD_SHARE = 0.01
MAX_CANDIDATES = 25
_WORD = re.compile(r"\w+")
# Words too common to say which headline a line is.
_COMMON_WORDS = (
    "the and for with from that this have has are was were will its into over after about than out "
    "как что это для при над под без или все они она было были будет после более также news новости"
)
_STOPWORDS = frozenset(_COMMON_WORDS.split())
# Two-letter words that say nothing of what a headline is about, in English, Russian and Ukrainian.
_FUNCTION_WORDS = _STOPWORDS | frozenset(
    " ".join(
        ["in on at to of by as is it an be or up we he no so do if my me am us",
         "на по за из от до не же бы ли то во со об ко их ее он мы вы да но уж",
         "із від чи як що це ви ми він та"]
    ).split()
)  # fmt: skip


def normalise(text: str) -> str:
    """Lower case, ё as е, punctuation and quotes as spaces, single spaces."""
    return " ".join(_WORD.findall(text.lower().replace("ё", "е"))).replace("_", " ")


def words(normalised: str) -> list[str]:
    return [w for w in normalised.split() if len(w) >= 3 and w not in _STOPWORDS and not w.isdigit()]


def _hash(word: str) -> int:
    return zlib.crc32(word.encode())


@dataclass(frozen=True)
class Match:
    headline: int  # the index's position of the headline
    lines: tuple[int, ...]  # which of the given lines it covers
    score: float
    text: str  # the line text it was matched on
    reason: str = ""  # why it counts, in words, for the cue


@dataclass(frozen=True)
class _Word:
    surface: str  # as read, in one script
    lemma: str
    weight: float  # how rare its lemma is in the corpus
    function: bool = False  # a short word that says nothing (``in``, ``на``)
    field: int = 0  # which part of a line set apart by a dot, a bar, a dash or a time it stands in


class _Text:
    """A line as the matcher compares it: normalised, and (when first asked) its words field by field."""

    def __init__(self, index: HeadlineIndex, raw: str) -> None:
        self.index, self.raw, self.normalised = index, raw, normalise(raw)

    @functools.cached_property
    def words(self) -> list[_Word]:
        found = []
        for number, part in enumerate(_FIELDS.split(self.raw)):
            found += self.index.words_of(normalise(part), function_words=True, field=number)
        return found


class HeadlineIndex:
    """An in-memory index of the lemmas of normalised headlines."""

    def __init__(self, titles: Sequence[str]) -> None:
        self.titles = list(titles)
        # Compact arrays while building: a million headlines give eight million pairs.
        hashes, owners = array("I"), array("i")
        for position, title in enumerate(self.titles):
            unique = {_hash(lemma(w)) for w in words(title)}
            hashes.extend(unique)
            owners.extend([position] * len(unique))
        all_hashes = np.frombuffer(hashes, dtype=np.uint32)
        order = np.argsort(all_hashes, kind="stable")
        self._hashes = all_hashes[order]
        self._owners = np.frombuffer(owners, dtype=np.int32)[order]
        self._common = max(50, int(len(self.titles) * COMMON_WORD_SHARE))
        # The words of headlines compared lately (the same ones come up for a line and the runs it is
        # in) and the weights of lemmas looked up lately.
        self._title_words: dict[int, list[_Word]] = {}
        self._weights: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self.titles)

    def _range(self, key: str) -> tuple[int, int]:
        value = np.uint32(_hash(key))
        return int(np.searchsorted(self._hashes, value, "left")), int(np.searchsorted(self._hashes, value, "right"))

    def _postings(self, key: str) -> np.ndarray:
        left, right = self._range(key)
        if right - left > self._common:
            return np.empty(0, dtype=np.int32)
        return self._owners[left:right]

    def weight(self, key: str) -> float:
        """How much a lemma says about which headline it is: its inverse document frequency in the corpus."""
        weight = self._weights.get(key)
        if weight is None:
            if len(self._weights) >= CACHED:
                self._weights.clear()
            left, right = self._range(key)
            weight = self._weights[key] = math.log((len(self.titles) + 1) / (right - left + 1)) + 1.0
        return weight

    def candidates(self, normalised: str) -> list[int]:
        """Headlines sharing a third of the text's meaningful lemmas (two at the least), the rarest shared first.

        A third, not all: OCR mangles some of the words a line shares with its headline.
        """
        query = sorted({lemma(w) for w in words(normalised)})
        if len(query) < MIN_WORDS - 1:
            return []
        postings = [(self._postings(key), self.weight(key)) for key in query]
        postings = [(p, weight) for p, weight in postings if len(p)]
        if not postings:
            return []
        owners, counts = np.unique(np.concatenate([p for p, _ in postings]), return_counts=True)
        owners = owners[counts >= max(2, len(query) // 3)]
        if len(owners) > MAX_CANDIDATES:
            # Each posting is sorted by headline: the weight a headline shares is found by bisection.
            shared = np.zeros(len(owners))
            for posting, weight in postings:
                places = np.minimum(np.searchsorted(posting, owners), len(posting) - 1)
                shared += weight * (posting[places] == owners)
            owners = owners[np.argsort(-shared, kind="stable")[:MAX_CANDIDATES]]
        return [int(i) for i in owners]

    def verbatim_score(self, normalised: str, position: int, *, partial: bool = True) -> float:
        """How well the text reads as the headline, character by character (0..100), or 0 when it must not count."""
        title = self.titles[position]
        if len(title) < MIN_CHARS or len(words(title)) < MIN_WORDS:
            return 0.0
        # "hits 19 month high" is not "hits 18 month high": the numbers must agree.
        # A line that holds the headline among other words may carry numbers of its own.
        title_numbers, text_numbers = _NUMBER.findall(title), _NUMBER.findall(_digits(normalised))
        if (
            title_numbers
            and sorted(title_numbers) != sorted(text_numbers)
            and not (partial and set(title_numbers) <= set(text_numbers))
        ):
            return 0.0
        score = 0.0
        whole = fuzz.ratio(normalised, title)
        if whole >= (SHORT_SCORE if len(title) < SHORT_TITLE else MIN_SCORE):
            score = whole
        elif partial and len(normalised) > len(title) and len(title) >= SHORT_TITLE:
            # The headline inside a longer line (a time stamp or an outlet's name beside it).
            inside = fuzz.partial_ratio(title, normalised)
            score = inside if inside >= MIN_PARTIAL_SCORE else 0.0
        # The slower check last, on what the scores let through.
        return score if score and _every_word_found(title, normalised) else 0.0

    def words_of(self, normalised: str, *, function_words: bool = False, field: int = 0) -> list[_Word]:
        """The words that say what a text is about, numbers apart from letters (``14wounded``), in their order.

        With ``function_words``, the short words that say nothing are kept too,
        marked, for a headline's word that OCR cut short to pair with.
        """
        found = []
        for token in normalised.split():
            number = _as_number(token)
            for part in [number] if number else _DIGITS_OR_LETTERS.findall(_letters_for_digits(token)):
                if part.isdigit():
                    key = part.lstrip("0") or "0"
                    found.append(_Word(key, key, self.weight(key), field=field))
                elif len(part) >= 2 and part not in _FUNCTION_WORDS:
                    key = lemma(part)
                    found.append(_Word(one_script(part), key, self.weight(key), field=field))
                elif function_words:
                    found.append(_Word(part, part, 0.0, function=True, field=field))
        return found

    def compare(self, text: _Text, position: int) -> _Comparison:
        title = self._title_words.get(position)
        if title is None:
            if len(self._title_words) >= CACHED:
                self._title_words.clear()
            title = self._title_words[position] = self.words_of(self.titles[position], function_words=True)
        return _Comparison(title, text.words)

    def lemma_score(self, comparison: _Comparison, *, joined: bool = False) -> tuple[float, str] | None:
        """How well the text says what the headline says, in other forms, order or length; None when it does not.

        Beside the rule that both may not lack a word (``_Comparison.conflict``):
        1. Each word of the headline is there, in any order and form: it counts.
        2. The headline cut short (its first clause, an ellipsis): what the
           text lacks is the headline's end, the words it has keep their
           order and carry at least half of the headline's weight.
        3. Other words beside the headline (an outlet, a rubric): at most
           three, set apart from it by a dot, a bar, a dash or a time, and the
           headline's words keep their order.
        Lines joined to a headline must all be the headline. The score is the
        rare-word weight both share over the weight of all their words.
        """
        title, text, pairs = comparison.title, comparison.text, comparison.pairs
        missing, extra = comparison.missing, comparison.extra
        if len(pairs) < MIN_WORDS - 1 or comparison.conflict or (joined and extra):
            return None
        shared = sum(title[i].weight for i in pairs)
        if missing:
            enough = shared >= MIN_SHARE * comparison.title_weight or (
                shared >= MIN_CLAUSE_WEIGHT and len(pairs) >= MIN_WORDS
            )
            if max(pairs) > min(missing) or not comparison.in_order or not enough:
                return None
            reason = f"the start of the headline ({len(pairs)} of its {comparison.words} words){_CUT_SHORT}"
        elif extra:
            if len(extra) > MAX_BESIDE or not comparison.set_apart or not comparison.in_order:
                return None
            reason = f"the headline's {len(pairs)} words, with other words beside them"
        else:
            reason = f"the headline's {len(pairs)} words in other forms or order"
        score = 100 * shared / (comparison.title_weight + sum(text[j].weight for j in extra))
        return round(score, 1), reason

    def judge(
        self, text: _Text, position: int, *, joined: bool = False, other_forms: bool = True
    ) -> tuple[float, str] | None:
        """The score and reason for the text as this headline: read verbatim, or said in other forms.

        What reads as the headline letter by letter must still not lack a word
        the text holds in its place, nor hold a word inside it.
        """
        verbatim = self.verbatim_score(text.normalised, position, partial=not joined)
        if not other_forms:
            return (round(verbatim, 1), "the headline as it is written") if verbatim else None
        # Word by word only where the words are largely the same (every shown headline of the
        # benchmark passes; four candidates in five do not).
        if not verbatim and fuzz.token_set_ratio(text.normalised, self.titles[position]) < MIN_SHARED_WORDS_RATIO:
            return None
        comparison = self.compare(text, position)
        if verbatim and not comparison.conflict and not _inside(comparison.extra, comparison.pairs.values()):
            return round(verbatim, 1), "the headline as it is written"
        return self.lemma_score(comparison, joined=joined)

    def match_lines(self, lines: Sequence[str], max_join: int = 3, *, other_forms: bool = True) -> list[Match]:
        """The best headline for each line or run of up to ``max_join`` consecutive lines.

        Matches do not overlap; where they would, the higher score wins.
        ``other_forms=False`` matches only what reads as the headline character
        by character, as the matcher did before lemmas (the benchmark's baseline).
        """
        found: list[Match] = []
        least = MIN_WORDS - 1 if other_forms else MIN_WORDS
        for size in range(1, max_join + 1):
            for first in range(0, len(lines) - size + 1):
                text = " ".join(lines[first : first + size])
                normalised = normalise(text)
                if len(normalised) < MIN_CHARS or len(words(normalised)) < least:
                    continue
                read = _Text(self, text)
                judged = [
                    (self.judge(read, p, joined=size > 1, other_forms=other_forms), p)
                    for p in self.candidates(normalised)
                ]
                # Of two headlines said equally well, the one closer letter by letter.
                scored = [(j[0], fuzz.ratio(normalised, self.titles[p]), p, j[1]) for j, p in judged if j]
                # The start of two different headlines says which of them it is no more than a menu does.
                if len({self.titles[p] for _, _, p, reason in scored if reason.endswith(_CUT_SHORT)}) > 1:
                    scored = [entry for entry in scored if not entry[3].endswith(_CUT_SHORT)]
                if scored:
                    score, _, position, reason = max(scored)
                    found.append(Match(position, tuple(range(first, first + size)), score, text, reason))
        chosen: list[Match] = []
        covered: set[int] = set()
        for match in sorted(found, key=lambda m: (-m.score, len(m.lines))):
            if covered.isdisjoint(match.lines):
                chosen.append(match)
                covered.update(match.lines)
        return sorted(chosen, key=lambda m: m.lines)


class _Comparison:
    """A headline's words paired with a text's: the same lemma or spelling, else the closest spelling.

    Numbers pair only with the same number. OCR's slips (``_slipped``) are
    allowed, and a word run into the next (``afterdrinking``) pairs with
    both. The text's short function words pair only with a headline's word
    OCR cut short (``on`` for ``one``); unpaired, they are not extra.
    """

    def __init__(self, title: Sequence[_Word], text: Sequence[_Word]) -> None:
        self.title, self.text = title, text
        self.pairs: dict[int, int] = {}
        used: set[int] = set()
        content = [i for i, word in enumerate(title) if not word.function]
        for i in content:
            for j, other in enumerate(text):
                same = title[i].lemma == other.lemma or title[i].surface == other.surface
                if j not in used and not other.function and same:
                    self.pairs[i] = j
                    used.add(j)
                    break
        close = sorted(
            (-_similarity(title[i].surface, other.surface), i, j)
            for i in content
            if i not in self.pairs
            for j, other in enumerate(text)
            if j not in used and _slipped(title[i].surface, other.surface)
        )
        for _, i, j in close:
            if i not in self.pairs and j not in used:
                self.pairs[i] = j
                used.add(j)
        self._pair_run_together(used)
        # A function word of the headline read with a slip (``ovr``, ``ths``) is no word of the text's own.
        functions = {word.surface for word in title if word.function}
        for j, other in enumerate(text):
            if j in used or other.function or len(other.surface) > MIN_SLIP_LETTERS + 2:
                continue
            if other.surface in functions or any(_function_slip(other.surface, f) for f in functions):
                used.add(j)
        self.missing = [i for i in content if i not in self.pairs]
        self.extra = [j for j, other in enumerate(text) if j not in used and not other.function]
        self.title_weight = sum(title[i].weight for i in content)
        self.words = len(content)

    def _pair_run_together(self, used: set[int]) -> None:
        """A text word that is headline words run together (a space OCR lost) pairs with them.

        Two of the headline's words (``januaryverdict``), or one with a
        function word (``revengewith``, ``injuly``), each half the same word
        or the word with OCR's slips.
        """
        for j, other in enumerate(self.text):
            if j in used or other.function or len(other.surface) < RUN_TOGETHER_LETTERS:
                continue
            found = self._halves(other.surface)
            if found is not None:
                for i in found:
                    self.pairs[i] = j
                used.add(j)

    def _halves(self, word: str) -> tuple[int, ...] | None:
        """The headline words a word is two of run together (none: two function words), or None."""
        unpaired = [i for i, w in enumerate(self.title) if i not in self.pairs and not w.function]
        for cut in range(2, len(word) - 1):
            halves = [self._one_of(word[:cut], unpaired), self._one_of(word[cut:], unpaired)]
            if None not in halves and (halves[0] != halves[1] or halves[0] == -1):
                return tuple(i for i in halves if i is not None and i >= 0)
        return None

    def _one_of(self, half: str, unpaired: Sequence[int]) -> int | None:
        """Which unpaired headline word a half is (-1: a function word), or None."""
        for i in unpaired:
            if half == self.title[i].surface or _slipped(half, self.title[i].surface):
                return i
        return -1 if half in _FUNCTION_WORDS else None

    @property
    def set_apart(self) -> bool:
        """Whether the text's extra words stand in fields of their own, apart from the headline's."""
        shared = {self.text[j].field for j in self.pairs.values()}
        return all(self.text[j].field not in shared for j in self.extra)

    @property
    def conflict(self) -> bool:
        """Both lack a word the other holds: a name, a place or a number in place of another."""
        return bool(self.missing and self.extra)

    @property
    def in_order(self) -> bool:
        """Whether the shared words stand in the headline's order in the text."""
        order = [self.pairs[i] for i in sorted(self.pairs)]
        return all(a <= b for a, b in itertools.pairwise(order))


def _similarity(a: str, b: str) -> float:
    """Levenshtein similarity (0..1), with ``rn`` read as ``m`` and ``vv`` as ``w`` on both sides."""
    return Levenshtein.normalized_similarity(_fold(a), _fold(b))


def _fold(word: str) -> str:
    return word.replace("rn", "m").replace("vv", "w")


def _slipped(a: str, b: str) -> bool:
    """Whether two spellings may be one word read with OCR's slips.

    Longer words may differ in a few letters; words shorter than
    ``MIN_SLIP_LETTERS`` only in one letter lost or added, or one read as a
    letter of like shape (``ycar``, ``рекс``): ``Iran`` is not ``Iraq``.
    """
    if abs(len(a) - len(b)) > 3:
        return False
    a, b = _fold(a), _fold(b)
    if a.isdigit() or b.isdigit() or min(len(a), len(b)) < 2:
        return False
    if max(len(a), len(b)) >= MIN_SLIP_LETTERS:
        return Levenshtein.normalized_similarity(a, b) >= MIN_WORD_SIMILARITY
    if Levenshtein.distance(a, b) != 1:
        return False
    if len(a) != len(b):
        return True
    ((x, y),) = [(p, q) for p, q in zip(a, b, strict=True) if p != q]
    return frozenset((x, y)) in _LIKE_SHAPES


def _function_slip(word: str, function: str) -> bool:
    """Whether a word of the text may be a function word read with a slip (``ovr``; ``0`` for ``о``)."""
    return word == function or frozenset((word, function)) in _LIKE_SHAPES or _slipped(word, function)


def _inside(unpaired: Iterable[int], paired: Iterable[int]) -> bool:
    """Whether any unpaired word stands between the first and the last paired one."""
    paired = list(paired)
    return bool(paired) and any(min(paired) < n < max(paired) for n in unpaired)


def _as_number(token: str) -> str | None:
    """The number a token is, OCR's letters for digits read back (``2O24``), or None when it is a word."""
    digits = token.translate(_DIGIT_LOOKALIKES)
    if digits.isdigit() and sum(c.isdigit() for c in token) * 2 >= len(token):
        return digits.lstrip("0") or "0"
    return None


def _letters_for_digits(token: str) -> str:
    """A lone 0 or 1 beside letters read back as the letter OCR took it for (``f0ssil``, ``a1``, ``0ut``)."""
    return _LONE_DIGIT.sub(lambda found: "o" if found.group() == "0" else "l", token)


_DIGIT_LOOKALIKES = str.maketrans("oоlii", "00111")


@functools.lru_cache(maxsize=4096)
def _digits(text: str) -> str:
    """OCR's letters for digits (``2O24``, ``Covid-l9``) read back as digits, in words that hold a digit."""
    return " ".join(w.translate(_DIGIT_LOOKALIKES) if any(c.isdigit() for c in w) else w for w in text.split())


def _every_word_found(title: str, text: str) -> bool:
    """Whether each longer word of the headline is in the text, give or take OCR's slips.

    A headline about Ukraine must not match a line about Russia because the
    rest of the words agree, as the score alone would allow. The two are
    aligned character by character: OCR's slips are scattered, a different
    name replaces most of a word.
    """
    kept = [False] * len(title)
    for tag, start, end, _, _ in Levenshtein.opcodes(title, text):
        if tag == "equal":
            kept[start:end] = [True] * (end - start)
    position = 0
    for word in title.split(" "):
        start = title.index(word, position)
        position = start + len(word)
        if len(word) >= 4 and not word.isdigit() and sum(kept[start:position]) < 0.6 * len(word):
            return False
    return True


def build_index(titles: Iterable[str]) -> HeadlineIndex:
    return HeadlineIndex([normalise(t) for t in titles])


# Unmatched headline candidates: lines that read as news headlines and matched
# nothing in the corpus, kept for a fact-checker to look up. Measured on the
# shared headline files (97-99.7% of real titles read as headlines) and on
# Django's own interface strings in seven languages (3-5% do).
CANDIDATE_CHARS = (25, 300)
CANDIDATE_WORDS = (MIN_WORDS, 30)
CANDIDATE_LETTERS = 0.75
MAX_UNMATCHED = 12
# A headline ends without a full stop in any script (an ellipsis of a shortened title aside).
_SENTENCE_END = tuple(".:;,।॥۔。．")
_ELLIPSIS = ("...", "…")
_NOT_A_HEADLINE = re.compile(r"https?://|www\.|\w@\w|\.(?:com|ru|org|net|io|ai)\b|©|\||\s[•·]\s", re.IGNORECASE)
_OPENING = "«\"'“‘„([-–— "
# Words that name a news block, in the languages of the case behind the product and a few more.
_NEWS_WORDS = frozenset(
    ["news", "headlines", "новости", "главное", "новини", "haberler", "gündem", "manşetler", "समाचार", "खबरें",
     "সংবাদ", "খবর", "خبریں", "سرخیاں"]
)  # fmt: skip
_PUNCTUATION = ".,:;!?«»“”\"'()[]-–—|"


@dataclass(frozen=True)
class Unmatched:
    lines: tuple[int, ...]  # which of the given lines it was read from
    text: str


def headline_like(text: str) -> bool:
    """Whether a line reads as a news headline: words of letters, starting as a title, not ending as a sentence.

    Menus, buttons, clocks, addresses and instructions that end with a full
    stop do not; a shortened title ending in an ellipsis does.
    """
    line = " ".join(text.split())
    if not CANDIDATE_CHARS[0] <= len(line) <= CANDIDATE_CHARS[1] or _NOT_A_HEADLINE.search(line):
        return False
    if line.endswith(_SENTENCE_END) and not line.endswith(_ELLIPSIS):
        return False
    visible = [c for c in line if not c.isspace()]
    if sum(map(_lettered, visible)) < CANDIDATE_LETTERS * len(visible):
        return False
    tokens = [w for w in line.split() if sum(map(_lettered, w)) >= 2]
    if not CANDIDATE_WORDS[0] <= len(tokens) <= CANDIDATE_WORDS[1]:
        return False
    # A title starts with a capital, a digit or a letter of a script without case.
    return not line.lstrip(_OPENING)[:1].islower()


def _lettered(char: str) -> bool:
    """A letter, or a vowel sign of Devanagari or Bengali: a mark, not a letter, but part of the word."""
    return char.isalpha() or unicodedata.category(char).startswith("M")


def unmatched_headlines(lines: Sequence[str], matched: Iterable[Sequence[int]] = ()) -> list[Unmatched]:
    """Lines, or runs of two or three wrapped lines, that read as headlines and matched nothing.

    1. A run goes on while a line ends without punctuation and the next starts
       in lower case: a title wrapped in a narrow widget.
    2. Only in a list: two such runs on the screen, or one beside a matched
       headline or a word that names the news (``Новости``, ``Haberler``).
    3. At most MAX_UNMATCHED, in the order they stand.
    """
    covered = {number for run in matched for number in run}
    found: list[Unmatched] = []
    number = 0
    while number < len(lines):
        if number in covered:
            number += 1
            continue
        run = [number]
        while (
            len(run) < 3
            and run[-1] + 1 < len(lines)
            and run[-1] + 1 not in covered
            and not lines[run[-1]].rstrip().endswith((*_SENTENCE_END, "?", "!"))
            and lines[run[-1] + 1].lstrip(_OPENING)[:1].islower()
        ):
            run.append(run[-1] + 1)
        text = " ".join(" ".join(lines[n].split()) for n in run)
        if headline_like(text):
            found.append(Unmatched(tuple(run), text))
            number = run[-1] + 1
        else:
            number += 1
    # Split on spaces, not on \w: the vowel signs of Devanagari are not word characters.
    spoken = {word.strip(_PUNCTUATION) for line in lines for word in line.lower().split()}
    news = covered or not _NEWS_WORDS.isdisjoint(spoken)
    if len(found) < 2 and not news:
        return []
    return found[:MAX_UNMATCHED]
