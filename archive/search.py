"""Full-text search over what a case holds: the index's entries, how they are written, and how they are found.

Each ``SearchEntry`` copies one piece of text with where it is (the frame,
its time in a recording, the box). The archive writes the entries of what it
holds (text read on screen, document text layers, provenance: the ``index``
stage and provenance edits); the timeline writes those of cues, headlines and
review notes through the same ``search_entries_replace`` whenever its
services change them. ``search_index --rebuild`` writes it all anew.

Finding is the database's: on PostgreSQL the Russian and English stems of
the words (a stored ``tsvector`` of both, GIN-indexed) and, when plain words
find nothing as written, trigram word similarity (pg_trgm) for words OCR
damaged; on SQLite an FTS5 table. Both read quoted
phrases and prefixes (``размет*``). Only the cases a person belongs to are
searched, in the query itself: a case they are not in adds nothing, not even
to the count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import QuerySet

from archive.models import Evidence, FrameSource, Provenance, SearchEntry, SearchKind, TextLine
from archive.scripts import one_script, script_of

# Provenance fields worth finding, and what the platform gave (yt-dlp's title and description).
PROVENANCE_FIELDS = ("original_name", "source_url", "platform", "account", "post_id", "notes")
PLATFORM_FIELDS = ("title", "description", "uploader", "channel")
MAX_QUERY_TERMS = 12
# Hits are counted up to this many and one more.
MAX_COUNTED = 10_000
# Trigram word similarity (0..1) at which a word OCR damaged (one letter of eight) still finds the word.
MIN_SIMILARITY = 0.5
_TERM = re.compile(r'"([^"]+)"|(\S+)')
_LETTERS = re.compile(r"[^\W\d_]+")
_LETTERS_OR_DIGITS = re.compile(r"\w+")


def searchable(text: str) -> str:
    """The text as it is indexed: each word in one script where OCR's look-alike letters allow it (archive/scripts)."""
    line = script_of(text)
    return _LETTERS.sub(lambda found: one_script(found[0], line), text) if line else text


@dataclass(frozen=True)
class Query:
    """A search as typed: words, quoted phrases and prefixes (a word ending in ``*``)."""

    words: tuple[str, ...]
    phrases: tuple[str, ...]
    prefixes: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases or self.prefixes)


def query_parse(text: str) -> Query:
    """The terms of a search; punctuation that the engines would read as syntax is dropped."""
    words, phrases, prefixes = [], [], []
    for phrase, term in _TERM.findall(text)[:MAX_QUERY_TERMS]:
        if phrase:
            cleaned = " ".join(re.findall(r"\w+", phrase))
            if cleaned:
                phrases.append(cleaned)
            continue
        prefix = term.endswith("*")
        for word in re.findall(r"\w+", term):
            (prefixes if prefix else words).append(word)
    return Query(tuple(words), tuple(phrases), tuple(prefixes))


# Writing the index.


@dataclass(frozen=True)
class Entry:
    source: str
    text: str
    frame: int | None = None
    time: float | None = None
    box: list[int] | None = None


def search_entries_replace(evidence: Evidence, kind: str, entries: Iterable[Entry]) -> int:
    """Put an item's entries of one kind in place of those it had; returns how many it has now."""
    rows = [
        SearchEntry(
            case_id=evidence.case_id,
            evidence=evidence,
            kind=kind,
            source=e.source,
            text=e.text,
            words=searchable(e.text),
            frame=e.frame,
            time=e.time,
            box=e.box,
        )
        for e in entries
        if e.text.strip()
    ]
    with transaction.atomic():
        SearchEntry.objects.filter(evidence=evidence, kind=kind).delete()
        SearchEntry.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def search_index_item(evidence: Evidence) -> int:
    """Index what the archive holds of an item: its lines (read on screen or a text layer) and its provenance."""
    lines = TextLine.objects.filter(frame__evidence=evidence).select_related("frame").order_by("frame__index", "index")
    read, layer = [], []
    for line in lines.iterator(chunk_size=5000):
        entry = Entry(f"line:{line.pk}", line.text, line.frame.index, line.frame.time,
                      [line.left, line.top, line.width, line.height])  # fmt: skip
        (layer if line.frame.source == FrameSource.PAGE_TEXT else read).append(entry)
    count = search_entries_replace(evidence, SearchKind.OCR, read)
    count += search_entries_replace(evidence, SearchKind.TEXT_LAYER, layer)
    return count + search_index_provenance(evidence)


def search_index_provenance(evidence: Evidence) -> int:
    entries = []
    for record in Provenance.objects.filter(evidence=evidence):
        for name in PROVENANCE_FIELDS:
            entries.append(Entry(f"provenance:{record.pk}:{name}", str(getattr(record, name) or "")))
        info = record.platform_info or {}
        for name in PLATFORM_FIELDS:
            if isinstance(info.get(name), str):
                entries.append(Entry(f"provenance:{record.pk}:platform.{name}", info[name][:20_000]))
    return search_entries_replace(evidence, SearchKind.PROVENANCE, entries)


# Finding.


@dataclass(frozen=True)
class Hit:
    entry: SearchEntry
    score: float


@dataclass(frozen=True)
class _Sql:
    where: str
    where_parameters: list[object]
    score: str
    score_parameters: list[object]


@dataclass(frozen=True)
class _Scope:
    cases: Sequence[int]
    kinds: Sequence[str]
    items: QuerySet | None


def search_hits(
    query: Query,
    *,
    cases: Sequence[int],
    kinds: Sequence[str] = (),
    items: QuerySet | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Hit], int]:
    """The entries that the query finds, best first, and how many there are (at most MAX_COUNTED + 1).

    They are of these cases (the person's own, checked by the caller), of
    these kinds when given, and of these items when given (a query of
    Evidence, such as the items captured on some days). On PostgreSQL, plain
    words that nothing has as written are looked for again as OCR may have
    damaged them (trigram word similarity).
    """
    scope = _Scope(cases, kinds, items)
    if query.empty or not cases:
        return [], 0
    if connection.vendor != "postgresql":
        return _run(_sqlite(query), scope, limit, offset)
    hits, total = _run(_postgresql(query), scope, limit, offset)
    if not total and query.words and not (query.phrases or query.prefixes):
        hits, total = _run(_similar(query), scope, limit, offset)
    return hits, total


def _run(sql: _Sql, scope: _Scope, limit: int, offset: int) -> tuple[list[Hit], int]:
    where = f"{sql.where} AND e.case_id IN ({', '.join(['%s'] * len(scope.cases))})"
    parameters = [*sql.where_parameters, *scope.cases]
    if scope.kinds:
        where += f" AND e.kind IN ({', '.join(['%s'] * len(scope.kinds))})"
        parameters += list(scope.kinds)
    if scope.items is not None:
        items, items_parameters = scope.items.values("pk").query.sql_with_params()
        where += f" AND e.evidence_id IN ({items})"
        parameters += list(items_parameters)
    table = SearchEntry._meta.db_table
    joins = f" JOIN {_FTS} ON {_FTS}.rowid = e.id" if connection.vendor == "sqlite" else ""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # How close a word OCR damaged must be, for this transaction only (pg_trgm's own default is 0.6).
            cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(MIN_SIMILARITY)])
        # Counted to a limit: "more than 10,000" says enough, and counting a common word's every row does not pay.
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} e{joins} WHERE {where} LIMIT %s) found",  # noqa: S608
            [*parameters, MAX_COUNTED + 1],
        )
        total = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT e.id, {sql.score} FROM {table} e{joins} WHERE {where} "  # noqa: S608 - names from the code
            "ORDER BY 2 DESC, e.id LIMIT %s OFFSET %s",
            [*sql.score_parameters, *parameters, limit, offset],
        )
        found = cursor.fetchall()
    entries = SearchEntry.objects.select_related("evidence").in_bulk([pk for pk, _ in found])
    return [Hit(entries[pk], round(float(score), 4)) for pk, score in found if pk in entries], total


_FTS = "archive_searchentry_fts"


def _postgresql(query: Query) -> _Sql:
    """Stems in Russian or English (the stored ``vector`` column), phrases in order, prefixes."""
    typed = " ".join([*query.words, *(f'"{p}"' for p in query.phrases)])
    terms, parameters = [], []
    if typed:
        terms.append("(websearch_to_tsquery('russian', %s) || websearch_to_tsquery('english', %s))")
        parameters += [typed, typed]
    for prefix in query.prefixes:
        terms.append("to_tsquery('simple', quote_literal(%s) || ':*')")
        parameters.append(prefix.lower())
    tsquery = " && ".join(terms)
    return _Sql(f"e.vector @@ ({tsquery})", list(parameters), f"ts_rank(e.vector, {tsquery})", list(parameters))


def _similar(query: Query) -> _Sql:
    """Every word as OCR may have damaged it (``NTcchLab``): pg_trgm's ``<%``, through the trigram index."""
    similar = " AND ".join(["%s <%% e.words"] * len(query.words))
    return _Sql(similar, list(query.words), "word_similarity(%s, e.words)", [" ".join(query.words)])


def _sqlite(query: Query) -> _Sql:
    """FTS5: every word, phrase and prefix, each quoted so that nothing typed is read as FTS5's syntax."""
    quoted = [
        *(_fts_string(w) for w in query.words),
        *(_fts_string(p) for p in query.phrases),
        *(f"{_fts_string(p)}*" for p in query.prefixes),
    ]
    return _Sql(f"{_FTS} MATCH %s", [" ".join(quoted)], f"-bm25({_FTS})", [])


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def marked(text: str, query: Query) -> list[tuple[str, bool]]:
    """The text in pieces, each with whether it is a word the query looked for (to be shown marked).

    A word counts as the query's when it is the same, starts with a prefix
    the query gave, or shares the start of a longer word (``фотографиях``
    for ``фотография``): what the stems found, near enough to show.
    """
    wanted = [w.lower() for w in (*query.words, *(word for p in query.phrases for word in p.split()))]
    prefixes = [p.lower() for p in query.prefixes]
    pieces: list[tuple[str, bool]] = []
    last = 0
    for found in _LETTERS_OR_DIGITS.finditer(text):
        word = searchable(found[0]).lower()
        hit = any(word.startswith(p) for p in prefixes) or any(_same_word(word, w) for w in wanted)
        if hit:
            pieces += [(text[last : found.start()], False), (found[0], True)]
            last = found.end()
    pieces.append((text[last:], False))
    return [(piece, hit) for piece, hit in pieces if piece]


def _same_word(word: str, wanted: str) -> bool:
    if word == wanted:
        return True
    stem = max(4, len(wanted) - 2)
    return len(wanted) >= 5 and len(word) >= stem and word[:stem] == wanted[:stem]
