"""A PostgreSQL database of a benchmark's own, created empty and dropped afterwards."""

from __future__ import annotations

import psycopg


def _admin_and_name(url: str) -> tuple[str, str]:
    base, name = url.rsplit("/", 1)
    return base + "/postgres", name


def recreate_database(url: str) -> None:
    admin, name = _admin_and_name(url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    """Drop it, after closing Django's connections to it."""
    from django.db import connections

    connections.close_all()
    admin, name = _admin_and_name(url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
