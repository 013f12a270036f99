"""Full-text search over what a case holds: the index's entries, how they are written, and how they are found.

Each ``SearchEntry`` copies one piece of text with where it is (the frame,
its time in a recording, the box). The archive writes the entries of what it
holds (text read on screen, document text layers, provenance: the ``index``
stage and provenance edits); the timeline writes those of cues, headlines and
review notes through the same ``search_entries_replace`` whenever its
services change them. ``search_index --rebuild`` writes it all anew.

Finding is the database's: on PostgreSQL the Russian and English stems of
the words (a stored ``tsvector`` of both, GIN-indexed) and, when plain words
find nothing as written, the index's words most like them by their trigrams
(pg_trgm on ``SearchWord``, the index's words once each) for words OCR
damaged; on SQLite an FTS5 table. Both read quoted phrases and prefixes
(``размет*``). Only the cases a person belongs to are
searched, in the query itself: a case they are not in adds nothing, not even
to the count.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import QuerySet

from archive.models import Evidence, FrameSource, Provenance, SearchEntry, SearchKind, SearchWord, TextLine
from archive.scripts import one_script, script_of

# Provenance fields worth finding, and what the platform gave (yt-dlp's title and description).
PROVENANCE_FIELDS = ("original_name", "source_url", "platform", "account", "post_id", "notes")
PLATFORM_FIELDS = ("title", "description", "uploader", "channel")
MAX_QUERY_TERMS = 12
# Hits are counted, and ranked, up to this many and one more: 20 pages of 25 (see ``_run``).
MAX_COUNTED = 500
# A word OCR damaged is looked up among the index's words of four letters or more by trigram
# similarity (pg_trgm's own threshold, 0.3: one letter of five damaged still passes), and finds the
# lines of the few most alike: at most three, as alike as the first but for ALIKE_MARGIN.
MIN_WORD, MAX_WORD = 4, 64
ALIKE_WORDS = 3
ALIKE_MARGIN = 0.1
_TERM = re.compile(r'"([^"]+)"|(\S+)')
# A word as typed, with the dots, hyphens, slashes and colons inside it (``04.09.2023``, ``covid-19``):
# each engine splits it as it split the text it indexed.
_WORD = re.compile(r"\w+(?:[.\-/:]\w+)*")
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
        for word in _WORD.findall(term):
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
    rows = [(entry, searchable(entry.text)) for entry in entries if entry.text.strip()]
    with transaction.atomic():
        SearchEntry.objects.filter(evidence=evidence, kind=kind).delete()
        if connection.vendor != "postgresql":
            SearchEntry.objects.bulk_create(
                (SearchEntry(case_id=evidence.case_id, evidence=evidence, kind=kind, source=e.source, text=e.text,
                             words=words, frame=e.frame, time=e.time, box=e.box) for e, words in rows),
                batch_size=2000,
            )  # fmt: skip
        elif rows:
            _copy(evidence, kind, rows)
            _words_add({word.lower() for _, words in rows for word in _LETTERS_OR_DIGITS.findall(words)})
    return len(rows)


_COPIED = ("case_id", "evidence_id", "kind", "source", "text", "words", "frame", "time", "box")


def _copy(evidence: Evidence, kind: str, rows: list[tuple[Entry, str]]) -> None:
    """The rows through PostgreSQL's COPY: they stream while the server stems and indexes those before them."""
    statement = f"COPY {SearchEntry._meta.db_table} ({', '.join(_COPIED)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for entry, words in rows:
            box = json.dumps(entry.box) if entry.box is not None else None
            copy.write_row((evidence.case_id, evidence.pk, kind, entry.source, entry.text.replace("\x00", ""),
                            words.replace("\x00", ""), entry.frame, entry.time, box))  # fmt: skip


def _words_add(words: set[str]) -> None:
    """The index's words, each once, for the damaged words to be looked up among (see ``_similar``)."""
    kept = sorted(word for word in words if MIN_WORD <= len(word) <= MAX_WORD)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SearchWord._meta.db_table} (word) SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING",  # noqa: S608
            [kept],
        )


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
        alike = _similar(query)
        if alike is not None:
            hits, total = _run(alike, scope, limit, offset)
    return hits, total


def _run(sql: _Sql, scope: _Scope, limit: int, offset: int) -> tuple[list[Hit], int]:
    """One page of hits and their count, in one query: the first MAX_COUNTED + 1 entries found are ranked.

    A word in more lines than that is ranked among the first found (the page
    says "more than 500": a word or a filter more narrows it). Each hit
    counted is a row read from the table, scattered over it: counting and
    ranking every row of a common word (a tenth of a second for 10,000 rows,
    most of it reading them) does not pay.
    """
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
    found = f"SELECT e.id, {sql.score} AS score FROM {table} e{joins} WHERE {where} LIMIT %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH found AS ({found}) SELECT id, score, (SELECT COUNT(*) FROM found) FROM found "  # noqa: S608
            "ORDER BY score DESC, id LIMIT %s OFFSET %s",
            [*sql.score_parameters, *parameters, MAX_COUNTED + 1, limit, offset],
        )
        rows = cursor.fetchall()
        total = rows[0][2] if rows else 0
        if not rows and offset:
            # A page past the last: the count is still wanted, for the page to say how many there are.
            cursor.execute(f"SELECT COUNT(*) FROM ({found}) counted", [*sql.score_parameters, *parameters,  # noqa: S608
                                                                       MAX_COUNTED + 1])  # fmt: skip
            total = cursor.fetchone()[0]
    entries = SearchEntry.objects.select_related("evidence__case").in_bulk([pk for pk, _, _ in rows])
    return [Hit(entries[pk], round(float(score), 4)) for pk, score, _ in rows if pk in entries], total


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


def _similar(query: Query) -> _Sql | None:
    """Every word as OCR may have damaged it (``NTcchLab``): the index's words most like it, found as words.

    The words of four letters or more are looked up among the index's words
    (``SearchWord``, by pg_trgm's ``%`` through its trigram index), the few
    most alike kept; lines are then found by those words as any word is. A
    word like nothing the index holds finds nothing: None.
    """
    groups, parameters = [], []
    with connection.cursor() as cursor:
        for word in _LETTERS_OR_DIGITS.findall(" ".join(query.words)):
            alike = [word]
            if len(word) >= MIN_WORD:
                cursor.execute(
                    f"SELECT word, similarity(word, %s) AS alike FROM {SearchWord._meta.db_table} "  # noqa: S608
                    "WHERE word %% %s ORDER BY alike DESC, word LIMIT %s",
                    [word.lower(), word.lower(), ALIKE_WORDS],
                )
                found = cursor.fetchall()
                alike = [found_word for found_word, score in found if score >= found[0][1] - ALIKE_MARGIN]
            if not alike:
                return None
            typed = " or ".join(alike)
            groups.append("(websearch_to_tsquery('russian', %s) || websearch_to_tsquery('english', %s))")
            parameters += [typed, typed]
    tsquery = " && ".join(groups)
    return _Sql(f"e.vector @@ ({tsquery})", list(parameters), f"ts_rank(e.vector, {tsquery})", list(parameters))


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
    wanted = [w.lower() for w in _LETTERS_OR_DIGITS.findall(" ".join([*query.words, *query.phrases]))]
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
