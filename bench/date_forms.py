"""Date forms times languages: our find_dates against dateparser's search_dates, in one run.

1. Picks 15 dates per language with a fixed seed, spread over 1905-2030,
   over all twelve months, and with days both up to 12 and above it.
2. Writes each date as CLDR's full, long and medium patterns print it in that
   language (``babel.dates.format_date``), and as the short numeric pattern
   prints it for days above 12 (where only one order of day and month fits),
   inside a short line of context ("Опубликовано …", "… · 1.2K views").
3. Damages each of those lines as OCR does: diacritics lost (NFKD without
   the combining marks, which in Devanagari and Bengali are the virama and
   the nukta), a space after every ``.``, ``-`` and ``/``, a label glued to
   the date ("Tarih:14 Eylül 2023", "14.09.2023TIME: 14:05"), and for Hindi,
   Bengali, Urdu and Arabic the digits of their scripts.
4. Adds 72 lines in eighteen languages that hold no date: IDs, order and
   phone numbers, prices, versions, build numbers, sizes, scores, fractions,
   times and durations, counters, relative times and ordinary sentences.
5. Runs both extractors over every line, each given the line's language
   (``find_dates(text, (lang,))`` and ``search_dates(text, languages=[lang])``),
   timed with ``time.perf_counter`` after a warm-up call per language: the
   best of three passes each, taken in turn.
6. Prints recall per language and per form, the false dates on the negatives,
   lines per second, the targets, and our misses.

A hit is a date found on the line: for us a mention with a reading that starts
on the day (or a day-granularity reading that spans it); for dateparser a
returned datetime on the day. Where the line writes a two-digit year, a hit on
the same day and month in either century counts for both. A false date is a
negative line on which the extractor returns any date with a year (for
dateparser any result, so a relative time it resolves, "2 часа назад",
counts: our extraction never turns those into dates).

Targets: recall >= 95% overall and >= 90% in every language; false dates on
the negatives at most a tenth of dateparser's; at least 10x dateparser's lines
per second.

Run: .venv/bin/python bench/date_forms.py
"""

from __future__ import annotations

import calendar
import random
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

# The extraction is pure Python: the project on the path is all it needs, not Django.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dateparser
from babel.dates import format_date
from dateparser.search import search_dates

from timeline.extract import cldr
from timeline.extract.dates import DateMention, find_dates

DATES_PER_LANGUAGE = 15
FIRST_YEAR, LAST_YEAR = 1905, 2030
LANGUAGES = ("ru", "en", "tr", "uk", "de", "fr", "es", "pt", "it", "pl", "id", "vi", "hi", "bn", "ur", "ar", "kk", "uz")
CLDR_FORMS = ("full", "long", "medium")
TIMED_PASSES = 3
# What a date is introduced by on a post, and the label a form or a receipt puts before it.
POSTED = {
    "ru": "Опубликовано",
    "en": "Posted:",
    "tr": "Yayınlanma:",
    "uk": "Опубліковано",
    "de": "Veröffentlicht am",
    "fr": "Publié le",
    "es": "Publicado el",
    "pt": "Publicado em",
    "it": "Pubblicato il",
    "pl": "Opublikowano",
    "id": "Diterbitkan",
    "vi": "Đăng ngày",
    "hi": "प्रकाशित:",
    "bn": "প্রকাশিত:",
    "ur": "شائع شدہ:",
    "ar": "نُشر في",
    "kk": "Жарияланды:",
    "uz": "Eʼlon qilingan:",
}
LABEL = {
    "ru": "Дата:",
    "en": "Date:",
    "tr": "Tarih:",
    "uk": "Дата:",
    "de": "Datum:",
    "fr": "Date :",
    "es": "Fecha:",
    "pt": "Data:",
    "it": "Data:",
    "pl": "Data:",
    "id": "Tanggal:",
    "vi": "Ngày:",
    "hi": "तारीख:",
    "bn": "তারিখ:",
    "ur": "تاریخ:",
    "ar": "التاريخ:",
    "kk": "Күні:",
    "uz": "Sana:",
}
# The digits of the scripts whose screens often show them instead of ASCII's.
NATIVE_DIGITS = {"hi": "०१२३४५६७८९", "bn": "০১২৩৪৫৬৭৮৯", "ar": "٠١٢٣٤٥٦٧٨٩", "ur": "۰۱۲۳۴۵۶۷۸۹"}
SUFFIXES = (" · 1.2K views", " · 348 views", "", " · edited")

# Lines that hold no date: (language, kind, text).
NEGATIVES = [
    ("en", "id", "ID 4521-09-2023"),
    ("en", "id", "Order #12.05.2023-17"),
    ("en", "phone", "Call +1 (212) 555-0199"),
    ("en", "version", "v1.12.2023"),
    ("en", "version", "iOS 17.4.1"),
    ("en", "version", "Python 3.12.10"),
    ("en", "build", "build 20230904"),
    ("en", "size", "1920x1080"),
    ("en", "size", "1080p 60fps"),
    ("en", "score", "score 2-1"),
    ("en", "score", "Final 3-2"),
    ("en", "fraction", "15/2 cup flour"),
    ("en", "fraction", "add 1/2 cup"),
    ("en", "time", "duration 12:05:33"),
    ("en", "time", "5 min 30 s"),
    ("en", "time", "at 10:30"),
    ("en", "time", "01:23:45"),
    ("en", "relative", "yesterday"),
    ("en", "sentence", "We sold 12 of 30 boxes in 5 stores"),
    ("ru", "phone", "+7 (495) 123-45-67"),
    ("ru", "price", "Цена 12,05 руб"),
    ("ru", "build", "Сборка 2023.09.04.1234"),
    ("ru", "counter", "1 234 567 просмотров"),
    ("ru", "relative", "2 часа назад"),
    ("ru", "sentence", "В зале было 12 рядов по 30 мест"),
    ("tr", "phone", "+90 212 555 12 34"),
    ("tr", "price", "12,50 TL"),
    ("tr", "relative", "3 gün önce"),
    ("tr", "sentence", "Sepette 12 ürün var, 3 tanesi indirimli"),
    ("uk", "price", "Ціна 1 299,99 грн"),
    ("uk", "relative", "2 години тому"),
    ("uk", "sentence", "У класі 28 учнів і 3 вчителі"),
    ("de", "price", "1.234,56 €"),
    ("de", "version", "Version 2.10.3"),
    ("de", "time", "Noch 5 Min. 30 Sek."),
    ("de", "sentence", "Es kamen 12 von 30 Gästen"),
    ("fr", "price", "Prix : 12,05 €"),
    ("fr", "relative", "il y a 3 jours"),
    ("fr", "sentence", "Chambre 12, étage 5, 30 places"),
    ("es", "price", "Precio 1.234,56 €"),
    ("es", "relative", "hace 2 horas"),
    ("es", "sentence", "Somos 12 de 30 jugadores"),
    ("pt", "price", "R$ 12,50"),
    ("pt", "relative", "há 3 dias"),
    ("pt", "sentence", "Restam 12 de 30 vagas"),
    ("it", "price", "Prezzo 12,05 €"),
    ("it", "relative", "3 giorni fa"),
    ("it", "sentence", "Siamo in 12 su 30"),
    ("pl", "price", "Cena 12,05 zł"),
    ("pl", "relative", "3 dni temu"),
    ("pl", "sentence", "Pokój 12, piętro 5"),
    ("id", "price", "Rp 12.500"),
    ("id", "relative", "3 hari yang lalu"),
    ("id", "sentence", "Ada 12 dari 30 siswa"),
    ("vi", "price", "Giá 12.500 đ"),
    ("vi", "relative", "3 ngày trước"),
    ("hi", "price", "कीमत ₹1,299"),
    ("hi", "relative", "३ दिन पहले"),
    ("hi", "sentence", "कक्षा में 30 छात्र और 2 शिक्षक हैं"),
    ("bn", "phone", "+880 1712-345678"),
    ("bn", "price", "দাম ১২৫ টাকা"),
    ("bn", "relative", "৩ দিন আগে"),
    ("ur", "phone", "0300-1234567"),
    ("ur", "price", "قیمت 1,250 روپے"),
    ("ur", "relative", "3 دن پہلے"),
    ("ar", "price", "السعر 12,50 ريال"),
    ("ar", "phone", "الهاتف ٠١٢٣٤٥٦٧٨٩"),
    ("ar", "relative", "منذ 3 أيام"),
    ("kk", "price", "Бағасы 1 250 ₸"),
    ("kk", "relative", "3 күн бұрын"),
    ("uz", "price", "Narxi 12 500 soʻm"),
    ("uz", "relative", "3 kun oldin"),
]


@dataclass(frozen=True)
class Line:
    language: str
    form: str  # a CLDR pattern, a damage, or the kind of a negative
    text: str
    truth: date | None  # None on a negative line
    # The line writes a two-digit year: the century is not in the text.
    any_century: bool = False


def spread_dates(language: str) -> list[date]:
    """Dates over the years (one per stretch of 1905-2030), every month, and days on both sides of 12."""
    rng = random.Random(f"date_forms/{language}")
    span = (LAST_YEAR - FIRST_YEAR + 1) / DATES_PER_LANGUAGE
    stretches = [(FIRST_YEAR + int(i * span), FIRST_YEAR + int((i + 1) * span) - 1) for i in range(DATES_PER_LANGUAGE)]
    years = [rng.randint(first, last) for first, last in stretches]
    months = rng.sample(range(1, 13), 12) + rng.sample(range(1, 13), DATES_PER_LANGUAGE - 12)
    dates = []
    for number, (year, month) in enumerate(zip(years, months, strict=True)):
        last = calendar.monthrange(year, month)[1]
        day = rng.randint(1, 12) if number % 2 else rng.randint(13, last)
        dates.append(date(year, month, day))
    return dates


def without_diacritics(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def spaced(text: str) -> str:
    return re.sub(r"([./\-])(?=\S)", r"\1 ", text)


def native(text: str, language: str) -> str:
    return text.translate(str.maketrans("0123456789", NATIVE_DIGITS[language]))


def positive_lines(language: str) -> list[Line]:
    """Each date in CLDR's patterns, in context, and each of those damaged."""
    rng = random.Random(f"date_forms/context/{language}")
    lines = []
    for number, day in enumerate(spread_dates(language)):
        forms = [(name, format_date(day, name, locale=language)) for name in CLDR_FORMS]
        if day.day > 12:
            forms.append(("short", format_date(day, "short", locale=language)))
        for name, written in forms:
            two_digit = str(day.year) not in written
            variants = [(name, written)]
            if without_diacritics(written) != written:
                variants.append(("no-diacritics", without_diacritics(written)))
            if spaced(written) != written:
                variants.append(("spaced", spaced(written)))
            glued = f"{LABEL[language].replace(' ', '')}{written}" if number % 2 else f"{written}TIME: 14:05"
            variants.append(("glued", glued))
            if language in NATIVE_DIGITS:
                variants.append(("native-digits", native(written, language)))
            for form, text in variants:
                # Glued lines stand alone, as a field of a form does; the others sit in a post's context.
                if form != "glued":
                    prefix = f"{POSTED[language]} " if rng.random() < 0.6 else ""
                    text = f"{prefix}{text}{rng.choice(SUFFIXES)}"
                lines.append(Line(language, form, text, day, two_digit))
    return lines


def same_day(found: date, line: Line) -> bool:
    if line.any_century:
        return (found.month, found.day, found.year % 100) == (line.truth.month, line.truth.day, line.truth.year % 100)
    return found == line.truth


def our_hit(mentions: list[DateMention], line: Line) -> bool:
    for mention in mentions:
        for reading in mention.readings:
            if same_day(reading.start.date(), line):
                return True
            if reading.granularity == "day" and reading.start.date() <= line.truth < reading.end.date():
                return True
    return False


def their_hit(results: list | None, line: Line) -> bool:
    return any(same_day(found.date(), line) for _, found in results or [])


def ours(line: Line) -> list[DateMention]:
    return find_dates(line.text, (line.language,))


def theirs(line: Line) -> list | None:
    return search_dates(line.text, languages=[line.language])


def timed(extract: Callable[[Line], object], lines: list[Line]) -> tuple[list, float]:
    """Every line's result and the seconds the whole pass took."""
    started = time.perf_counter()
    results = [extract(line) for line in lines]
    return results, time.perf_counter() - started


def share(part: int, whole: int) -> str:
    return f"{part / whole:6.1%}" if whole else "     -"


def describe(mentions: list[DateMention]) -> str:
    if not mentions:
        return "nothing"
    parts = []
    for mention in mentions:
        readings = ", ".join(f"{r.start:%Y-%m-%d}" for r in mention.readings) or "no year"
        parts.append(f"{mention.text!r} {mention.form} ({readings})")
    return "; ".join(parts)


@dataclass
class Tally:
    """Hits per language and per form for both extractors, our misses, and the false dates of both."""

    lines: Counter = field(default_factory=Counter)
    form_lines: Counter = field(default_factory=Counter)
    hits: dict[str, Counter] = field(default_factory=lambda: {"ours": Counter(), "theirs": Counter()})
    form_hits: dict[str, Counter] = field(default_factory=lambda: {"ours": Counter(), "theirs": Counter()})
    misses: list[tuple[Line, str]] = field(default_factory=list)
    false: dict[str, list[str]] = field(default_factory=lambda: {"ours": [], "theirs": []})
    false_kinds: dict[str, Counter] = field(default_factory=lambda: {"ours": Counter(), "theirs": Counter()})

    def add(self, line: Line, mentions: list[DateMention], results: list | None) -> None:
        if line.truth is None:
            if any(mention.readings for mention in mentions):
                self.false["ours"].append(f"{line.language} {line.form}: {line.text!r} -> {describe(mentions)}")
                self.false_kinds["ours"][line.form] += 1
            if results:
                self.false["theirs"].append(f"{line.language} {line.form}: {line.text!r} -> {results}")
                self.false_kinds["theirs"][line.form] += 1
            return
        self.lines[line.language] += 1
        self.form_lines[line.form] += 1
        if our_hit(mentions, line):
            self.hits["ours"][line.language] += 1
            self.form_hits["ours"][line.form] += 1
        else:
            self.misses.append((line, describe(mentions)))
        if their_hit(results, line):
            self.hits["theirs"][line.language] += 1
            self.form_hits["theirs"][line.form] += 1

    def recall(self, who: str, language: str | None = None) -> float:
        if language is None:
            return sum(self.hits[who].values()) / max(1, sum(self.lines.values()))
        return self.hits[who][language] / max(1, self.lines[language])


def print_recall(tally: Tally, unsupported: set[str]) -> None:
    print(f"{'language':<10}{'lines':>6}{'ours':>9}{'dateparser':>12}")
    for language in LANGUAGES:
        total = tally.lines[language]
        mark = "  (unsupported by dateparser)" if language in unsupported else ""
        hits = [share(tally.hits[who][language], total) for who in ("ours", "theirs")]
        print(f"{language:<10}{total:>6}{hits[0]:>9}{hits[1]:>12}{mark}")
    print(f"{'overall':<10}{sum(tally.lines.values()):>6}{tally.recall('ours'):>9.1%}{tally.recall('theirs'):>12.1%}")
    print()
    print(f"{'form':<16}{'lines':>6}{'ours':>9}{'dateparser':>12}")
    for form in (*CLDR_FORMS, "short", "no-diacritics", "spaced", "glued", "native-digits"):
        total = tally.form_lines[form]
        hits = [share(tally.form_hits[who][form], total) for who in ("ours", "theirs")]
        print(f"{form:<16}{total:>6}{hits[0]:>9}{hits[1]:>12}")


def print_negatives(tally: Tally, count: int) -> None:
    ours_false, theirs_false = len(tally.false["ours"]), len(tally.false["theirs"])
    print(f"negatives: {count} lines")
    print(f"  false dates ours:       {ours_false:>3} ({share(ours_false, count).strip()})")
    print(f"  false dates dateparser: {theirs_false:>3} ({share(theirs_false, count).strip()})")
    kinds = sorted({kind for _, kind, _ in NEGATIVES})
    by_kind = ", ".join(f"{k} {tally.false_kinds['ours'][k]}/{tally.false_kinds['theirs'][k]}" for k in kinds)
    print(f"  by kind (ours/dateparser): {by_kind}")
    ratio = f"{ours_false / theirs_false:.2f}" if theirs_false else "-"
    print(f"  ratio ours/dateparser: {ratio}")


def print_misses(misses: list[tuple[Line, str]], shown: int = 40) -> None:
    """Our misses by language and form, then up to ``shown`` of them taken in turn from each group.

    Taking them in turn shows every kind of miss, not forty of the most common one.
    """
    groups: dict[tuple[str, str], list[tuple[Line, str]]] = defaultdict(list)
    for line, found in misses:
        groups[line.language, line.form].append((line, found))
    print(f"our misses: {len(misses)}; by language and form: ", end="")
    print(", ".join(f"{language} {form} {len(group)}" for (language, form), group in groups.items()) or "none")
    picked = []
    for turn in range(max(map(len, groups.values()), default=0)):
        picked += [group[turn] for group in groups.values() if turn < len(group)]
    for line, found in picked[:shown]:
        print(f"  {line.language:<3}{line.form:<14}{line.truth}  {line.text!r}  found: {found}")


def warm_up() -> set[str]:
    """Build both extractors' tables before timing; returns the languages dateparser does not know.

    Our first call per language builds its CLDR tables, and the first unknown word
    the table of month names of every language; dateparser loads a language on first use.
    """
    unsupported = set()
    cldr.named_anywhere()
    for language in LANGUAGES:
        sample = Line(language, "warm-up", format_date(date(2001, 2, 3), "long", locale=language), None)
        ours(sample)
        try:
            theirs(sample)
        except ValueError:
            unsupported.add(language)
    return unsupported


def main() -> None:
    """1. Build the lines. 2. Warm both up. 3. Time both over every line. 4. Score and print."""
    positives = [line for language in LANGUAGES for line in positive_lines(language)]
    negatives = [Line(language, kind, text, None) for language, kind, text in NEGATIVES]
    every = positives + negatives
    unsupported = warm_up()

    # The best of a few passes, taken in turn, so that another process's load on the machine
    # slows neither extractor more than the other.
    supported = [line for line in every if line.language not in unsupported]
    our_seconds = their_seconds = float("inf")
    for _ in range(TIMED_PASSES):
        our_results, seconds = timed(ours, every)
        our_seconds = min(our_seconds, seconds)
        their_by_line, seconds = timed(theirs, supported)
        their_seconds = min(their_seconds, seconds)
    their_results = dict(zip(map(id, supported), their_by_line, strict=True))
    tally = Tally()
    for line, mentions in zip(every, our_results, strict=True):
        tally.add(line, mentions, their_results.get(id(line)))

    print(f"dateparser {dateparser.__version__}; {len(positives)} dated lines, {len(negatives)} negatives")
    if unsupported:
        print(f"dateparser does not support {', '.join(sorted(unsupported))}: misses for it, and not in its timing")
    print()
    print_recall(tally, unsupported)
    print()
    print_negatives(tally, len(negatives))
    print()
    our_speed, their_speed = len(every) / our_seconds, len(supported) / their_seconds
    speed_ratio = our_speed / their_speed
    print(f"speed (best of {TIMED_PASSES} passes over every line, one process, one thread):")
    print(f"       ours {our_speed:,.0f} lines/s ({our_seconds:.2f} s for {len(every)} lines)")
    print(f"       dateparser {their_speed:,.0f} lines/s ({their_seconds:.2f} s for {len(supported)} lines)")
    print(f"       ratio ours/dateparser: {speed_ratio:.1f}x")
    print()
    weak = [language for language in LANGUAGES if tally.recall("ours", language) < 0.9]
    ours_false, theirs_false = len(tally.false["ours"]), len(tally.false["theirs"])
    targets = [
        (f"recall >= 95% overall: {tally.recall('ours'):.1%}", tally.recall("ours") >= 0.95),
        ("recall >= 90% in every language" + (f": below in {', '.join(weak)}" if weak else ""), not weak),
        (f"false dates <= 1/10 of dateparser's: {ours_false} vs {theirs_false}", ours_false * 10 <= theirs_false),
        (f"speed >= 10x dateparser's: {speed_ratio:.1f}x", speed_ratio >= 10),
    ]
    print("targets:")
    for text, met in targets:
        print(f"  {'met   ' if met else 'MISSED'} {text}")
    print()
    print_misses(tally.misses)
    print()
    print(f"our false dates: {ours_false}")
    for line in tally.false["ours"]:
        print(f"  {line}")


if __name__ == "__main__":
    main()
