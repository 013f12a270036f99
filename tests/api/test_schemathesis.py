"""Schemathesis against a live server: requests made from the API's own schema get no 500, and every answer
conforms to the schema (status code, content type, headers, body)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from api.services import api_token_create
from tests.conftest import World, broker
from timeline.services import cue_add_manual, entity_add, event_add

ST = Path(sys.executable).with_name("st")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance," \
    "response_schema_conformance"  # fmt: skip


@pytest.mark.slow
def test_requests_generated_from_the_schema_get_no_server_error_and_conforming_answers(
    transactional_db: None, world: World, live_server: object, tmp_path: Path
) -> None:
    from archive.roles import Role

    event_add(case=world.case, title="EU listing", day=date(2023, 7, 20), actor=world.owner)
    entity_add(case=world.case, name="NTechLab", kind="organisation", aliases=["НТехЛаб"], actor=world.owner)
    cue_add_manual(evidence=world.evidence, actor=world.user(Role.CONTRIBUTOR), bound="not_after",
                   day=date(2023, 12, 5), text="posted 5 Dec 2023", source_url="https://toloka.ai/tasks/1")  # fmt: skip
    _, key = api_token_create(user=world.owner)
    # Uploads are queued in memory and never run: their processing is not what is tested here.
    with broker("memory://"):
        run = subprocess.run(
            [str(ST), "run", f"{live_server.url}/api/schema/", "-H", f"Authorization: Bearer {key}", "--checks",
             CHECKS, "--max-examples", "10", "--workers", "1", "--seed", "20261203", "--no-color",
             "--request-timeout", "60", "--generation-database", "none", "--output-truncate", "false"],
            cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
    summary = run.stdout[run.stdout.rfind("SUMMARY") :]
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-3000:]
    assert "Tested: 19" in summary, summary
