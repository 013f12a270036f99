from __future__ import annotations

import json

import pytest
from django.db import connection

from archive.custody import GENESIS, custody_append, custody_verify
from archive.models import Case, CustodyAction, CustodyEntry
from tests.conftest import World

TABLE = CustodyEntry._meta.db_table


def _sql(statement: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement.replace("{table}", connection.ops.quote_name(TABLE)), params)


def test_each_entry_links_to_the_one_before(world: World) -> None:
    entries = list(CustodyEntry.objects.filter(case=world.case).order_by("sequence"))
    assert [e.sequence for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == GENESIS
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.prev_hash == before.entry_hash
    world.case.refresh_from_db()
    assert world.case.custody_head == entries[-1].entry_hash
    assert world.case.custody_length == len(entries)


def test_an_intact_chain_verifies(world: World) -> None:
    assert custody_verify(world.case) == []


def test_an_edited_entry_is_detected(world: World) -> None:
    _sql("UPDATE {table} SET actor_name = %s WHERE case_id = %s AND sequence = 2", "mallory", world.case.pk)
    problems = custody_verify(world.case)
    assert [(p.sequence, "altered" in p.message) for p in problems] == [(2, True)]


def test_an_edited_time_is_detected(world: World) -> None:
    entry = CustodyEntry.objects.get(case=world.case, action=CustodyAction.COLLECTED)
    _sql("UPDATE {table} SET at = %s WHERE id = %s", entry.at.replace(year=2020), entry.pk)
    assert [p.sequence for p in custody_verify(world.case)] == [entry.sequence]


def test_edited_details_are_detected(world: World) -> None:
    entry = CustodyEntry.objects.get(case=world.case, action=CustodyAction.COLLECTED)
    forged = {**entry.details, "sha256": "0" * 64}
    cast = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    _sql(f"UPDATE {{table}} SET details = {cast} WHERE id = %s", json.dumps(forged), entry.pk)
    assert CustodyEntry.objects.get(pk=entry.pk).details["sha256"] == "0" * 64
    assert [p.sequence for p in custody_verify(world.case)] == [entry.sequence]


def test_an_entry_added_past_the_head_is_detected(world: World) -> None:
    last = CustodyEntry.objects.filter(case=world.case).order_by("-sequence").first()
    columns = "case_id, sequence, action, actor_name, at, details, prev_hash, entry_hash"
    _sql(
        f"INSERT INTO {{table}} ({columns}) VALUES (%s, %s, 'collected', 'mallory', %s, %s, %s, %s)",
        world.case.pk,
        last.sequence + 1,
        last.at,
        "{}",
        last.entry_hash,
        "f" * 64,
    )
    problems = custody_verify(world.case)
    assert [(p.sequence, "beyond the head" in p.message) for p in problems] == [(last.sequence + 1, True)]


def test_a_removed_entry_in_the_middle_is_detected(world: World) -> None:
    _sql("DELETE FROM {table} WHERE case_id = %s AND sequence = 3", world.case.pk)
    messages = [str(p) for p in custody_verify(world.case)]
    assert any("entry 3: missing" in m for m in messages)
    assert any("entry 4: does not link" in m for m in messages)


def test_a_removed_last_entry_is_detected(world: World) -> None:
    last = world.case.custody_length
    _sql("DELETE FROM {table} WHERE case_id = %s AND sequence = %s", world.case.pk, last)
    problems = custody_verify(Case.objects.get(pk=world.case.pk))
    assert len(problems) == 1
    assert "entries at the end were removed" in problems[0].message


def test_the_application_cannot_change_or_delete_entries(world: World) -> None:
    entry = CustodyEntry.objects.filter(case=world.case).first()
    entry.actor_name = "mallory"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        CustodyEntry.objects.filter(case=world.case).update(actor_name="mallory")
    with pytest.raises(PermissionError):
        CustodyEntry.objects.filter(case=world.case).delete()


def test_details_hash_the_same_after_a_round_trip_through_the_database(world: World) -> None:
    custody_append(
        case=world.case,
        action=CustodyAction.STATUS_CHANGED,
        actor=world.owner,
        details={"reason": "ünïcode «text»", "nested": {"b": 1, "a": [1, 2]}, "none": None},
    )
    assert custody_verify(Case.objects.get(pk=world.case.pk)) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_unbroken_chain() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    from archive import services
    from tests.conftest import make_user

    owner = make_user("concurrent_owner")
    case = services.case_create(slug="busy", title="Busy", owner=owner)

    def append_many(worker: int) -> None:
        try:
            for n in range(10):
                custody_append(
                    case=case, action=CustodyAction.STATUS_CHANGED, actor=owner, details={"worker": worker, "n": n}
                )
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(append_many, range(4)))
    case.refresh_from_db()
    assert case.custody_length == 2 + 40
    assert custody_verify(case) == []
