"""Celery tasks of the timeline: thin adapters around its services."""

from __future__ import annotations

from celery import shared_task

from timeline.sources import sources_poll


@shared_task
def collect_headlines() -> int:
    """Poll every headline source (the beat runs this every HEADLINE_POLL_INTERVAL seconds); returns the runs made."""
    return len(sources_poll())
