"""Which locales an item's text is read in: the case's, and the device's that made it.

Apart from the selectors, which list the pipeline's stages: the OCR stage reads these.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from archive.models import Case, Evidence, Provenance


def evidence_device_locale(evidence: Evidence, provenance: Iterable[Provenance] | None = None) -> str:
    """The BCP 47 locale of the device that made an item, or "" when nobody knows it.

    The latest provenance record that names one wins (a later collector may
    have learnt more), then the case's default device locale. ``provenance``
    saves the query when the caller has the item's records already; otherwise
    they are read (or taken from a prefetch).
    """
    records = list(evidence.provenance.all() if provenance is None else provenance)
    records.sort(key=lambda record: (record.collected_at, record.pk or 0))
    named = [record.locale for record in records if record.locale]
    return named[-1] if named else evidence.case.default_locale


def case_locales(case: Case) -> tuple[str, ...]:
    """The BCP 47 tags whose month and weekday names are read in a case's text: its own, else CASE_LOCALES."""
    tags = tuple(tag.strip() for tag in case.locales.split(",") if tag.strip())
    return tags or tuple(settings.CASE_LOCALES)
