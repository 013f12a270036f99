"""Matching lines read on a screen to a corpus of dated headlines. Plain data, no Django.

The index maps each word of each normalised headline to the headlines that
contain it, as two sorted arrays (word hash, headline) searched with numpy, so
a million headlines fit in memory and a line's candidates are found without
scanning the corpus. Candidates that share enough words are scored with
RapidFuzz against the line, or against two or three consecutive lines joined,
since a headline in a narrow widget wraps. OCR errors cost a few characters of
the score, not the match.

Precision comes first: a line must have at least ``MIN_WORDS`` meaningful
words, so ``Новости``, ``Weather`` or a menu never match, and the score must
clear a high bar.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

MIN_WORDS = 4
MIN_CHARS = 20
# Whole-text similarity (0..100) a candidate needs; a headline inside a longer
# line needs a higher partial score and must itself be long.
MIN_SCORE = 91.0
# Short titles differ from their look-alikes by a word that costs few points.
SHORT_TITLE = 50
SHORT_SCORE = 94.0
MIN_PARTIAL_SCORE = 95.0
_NUMBER = re.compile(r"\d+")
# Words in more than this share of the corpus say nothing about which headline it is.
COMMON_WORD_SHARE = 0.02
MAX_CANDIDATES = 25
_WORD = re.compile(r"\w+")
# Words too common to say which headline a line is.
_COMMON_WORDS = (
    "the and for with from that this have has are was were will its into over after about than out "
    "как что это для при над под без или все они она было были будет после более также news новости"
)
_STOPWORDS = frozenset(_COMMON_WORDS.split())


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


class HeadlineIndex:
    """An in-memory word index over normalised headlines."""

    def __init__(self, titles: Sequence[str]) -> None:
        self.titles = list(titles)
        # Compact arrays while building: a million headlines give eight million pairs.
        hashes, owners = array("I"), array("i")
        for position, title in enumerate(self.titles):
            unique = {_hash(w) for w in words(title)}
            hashes.extend(unique)
            owners.extend([position] * len(unique))
        all_hashes = np.frombuffer(hashes, dtype=np.uint32)
        order = np.argsort(all_hashes, kind="stable")
        self._hashes = all_hashes[order]
        self._owners = np.frombuffer(owners, dtype=np.int32)[order]
        self._common = max(50, int(len(self.titles) * COMMON_WORD_SHARE))

    def __len__(self) -> int:
        return len(self.titles)

    def _postings(self, word: str) -> np.ndarray:
        key = np.uint32(_hash(word))
        left = np.searchsorted(self._hashes, key, side="left")
        right = np.searchsorted(self._hashes, key, side="right")
        if right - left > self._common:
            return np.empty(0, dtype=np.int32)
        return self._owners[left:right]

    def candidates(self, normalised: str) -> list[int]:
        """Headlines sharing at least half of the text's meaningful words (two at the least)."""
        query = sorted(set(words(normalised)))
        if len(query) < MIN_WORDS - 1:
            return []
        postings = [self._postings(word) for word in query]
        postings = [p for p in postings if len(p)]
        if not postings:
            return []
        owners, counts = np.unique(np.concatenate(postings), return_counts=True)
        needed = max(2, (len(query) + 1) // 2)
        keep = counts >= needed
        owners, counts = owners[keep], counts[keep]
        best = np.argsort(-counts, kind="stable")[:MAX_CANDIDATES]
        return [int(owners[i]) for i in best]

    def score(self, normalised: str, position: int, *, partial: bool = True) -> float:
        """How well the text matches a headline (0..100), or 0 when it must not count."""
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
        if not _every_word_found(title, normalised):
            return 0.0
        whole = fuzz.ratio(normalised, title)
        if whole >= (SHORT_SCORE if len(title) < SHORT_TITLE else MIN_SCORE):
            return whole
        if partial and len(normalised) > len(title):
            # The headline inside a longer line (a time stamp or an outlet's name beside it).
            partial = fuzz.partial_ratio(title, normalised)
            if partial >= MIN_PARTIAL_SCORE and len(title) >= SHORT_TITLE:
                return partial
        return 0.0

    def match_lines(self, lines: Sequence[str], max_join: int = 3) -> list[Match]:
        """The best headline for each line or run of up to ``max_join`` consecutive lines.

        Matches do not overlap; where they would, the higher score wins.
        """
        found: list[Match] = []
        for size in range(1, max_join + 1):
            for first in range(0, len(lines) - size + 1):
                text = " ".join(lines[first : first + size])
                normalised = normalise(text)
                if len(normalised) < MIN_CHARS or len(words(normalised)) < MIN_WORDS:
                    continue
                # Joined lines must match as a whole: a headline inside two joined
                # lines would hide the headline on the other line.
                scored = [(self.score(normalised, p, partial=size == 1), p) for p in self.candidates(normalised)]
                scored = [(s, p) for s, p in scored if s > 0]
                if scored:
                    score, position = max(scored)
                    found.append(Match(position, tuple(range(first, first + size)), round(score, 1), text))
        chosen: list[Match] = []
        covered: set[int] = set()
        for match in sorted(found, key=lambda m: (-m.score, len(m.lines))):
            if covered.isdisjoint(match.lines):
                chosen.append(match)
                covered.update(match.lines)
        return sorted(chosen, key=lambda m: m.lines)


_DIGIT_LOOKALIKES = str.maketrans("oоlii", "00111")


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
