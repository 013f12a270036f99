from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_locales, env_networks, env_search_urls, env_size

ROOT = Path(__file__).resolve().parent.parent


def test_sizes_read_as_people_write_them(monkeypatch: pytest.MonkeyPatch) -> None:
    for text, size in [("4G", 4 * 1024**3), ("512M", 512 * 1024**2), ("700k", 700 * 1024), ("123", 123)]:
        monkeypatch.setenv("X_SIZE", text)
        assert env_size("X_SIZE", "1") == size


@pytest.mark.parametrize(
    ("helper", "value", "message"),
    [
        (lambda: env_bool("X", False), "perhaps", "not a boolean"),
        (lambda: env_int("X", 1), "ten", "not a whole number"),
        (lambda: env_size("X", "1G"), "lots", "not a size"),
        (lambda: env_networks("X"), "10.0.0.0/8,localhost", "not a CIDR block"),
        (lambda: env_locales("X", ("en",)), "en,xx-YY", "not a locale CLDR knows"),
    ],
)
def test_malformed_values_stop_start_up_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch, helper: object, value: str, message: str
) -> None:
    monkeypatch.setenv("X", value)
    with pytest.raises(ImproperlyConfigured, match=message) as error:
        helper()
    assert "X" in str(error.value)


def test_case_locales_read_as_bcp_47_tags_with_a_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert env_locales("X_LOCALES", ("en", "ru")) == ("en", "ru")
    monkeypatch.setenv("X_LOCALES", "tr, en-my")
    assert env_locales("X_LOCALES", ("en", "ru")) == ("tr", "en-MY")


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check_without_warnings(tmp_path: Path) -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x" * 20 + "-a-long-random-production-secret-" + "y" * 20,
        ALLOWED_HOSTS="evidence.example.org",
        VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    result = _manage("check", DEBUG="0", VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_malformed_setting_stops_start_up(tmp_path: Path) -> None:
    result = _manage("check", EVIDENCE_MAX_UPLOAD_SIZE="huge", VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "EVIDENCE_MAX_UPLOAD_SIZE='huge' is not a size" in result.stderr


def test_a_timestamp_authority_without_its_certificates_stops_start_up(tmp_path: Path) -> None:
    result = _manage("check", TSA_URL="https://tsa.example/tsr", VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "TSA_CA_FILE does not name a PEM file of the authority's certificates" in result.stderr
    bad = _manage("check", TSA_URL="ftp://tsa.example/", TSA_CA_FILE=__file__, VAR_DIR=str(tmp_path))
    assert "is not an http:// or https:// address" in bad.stderr


def test_allowed_networks_take_a_port_or_every_port(monkeypatch: pytest.MonkeyPatch) -> None:
    import ipaddress

    monkeypatch.setenv("X", "10.0.0.0/8, 127.0.0.1:8080, [::1]:8443, [fd00::/8]")
    assert env_networks("X") == [
        ipaddress.ip_network("10.0.0.0/8"),
        (ipaddress.ip_network("127.0.0.1/32"), 8080),
        (ipaddress.ip_network("::1/128"), 8443),
        ipaddress.ip_network("fd00::/8"),
    ]
    monkeypatch.setenv("X", "127.0.0.1:http")
    with pytest.raises(ImproperlyConfigured, match="optional :port"):
        env_networks("X")


def test_headline_searches_are_named_address_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    default = {"News": "https://news.example/search?q={q}"}
    assert env_search_urls("SEARCHES", default) == [("News", "https://news.example/search?q={q}")]
    monkeypatch.setenv("SEARCHES", '{"Archive": "https://archive.example/?query={q}"}')
    assert env_search_urls("SEARCHES", default) == [("Archive", "https://archive.example/?query={q}")]
    for wrong in ('{"No query": "https://archive.example/"}', '{"Script": "javascript:alert({q})"}', "[1]"):
        monkeypatch.setenv("SEARCHES", wrong)
        with pytest.raises(ImproperlyConfigured, match="SEARCHES"):
            env_search_urls("SEARCHES", default)
