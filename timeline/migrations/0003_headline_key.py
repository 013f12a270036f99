"""Headlines get a key (their title, publication time and outlet, hashed), unique: an import adds each once."""

import hashlib
import uuid
from datetime import UTC

from django.db import migrations, models


def _keyed(apps, schema_editor):  # noqa: ANN001 - the signature RunPython calls
    # The key as timeline.headlines.headline_key writes it, repeated here: migrations must not import app code.
    headlines = apps.get_model("timeline", "ReferenceHeadline")
    seen: set[uuid.UUID] = set()
    doubles = []
    for headline in headlines.objects.order_by("id").iterator(chunk_size=10_000):
        text = "\x00".join((headline.title, headline.published_at.astimezone(UTC).isoformat(), headline.outlet))
        key = uuid.UUID(bytes=hashlib.sha256(text.encode()).digest()[:16])
        if key in seen:
            doubles.append(headline.id)
            continue
        seen.add(key)
        headlines.objects.filter(id=headline.id).update(key=key)
    # Rows an earlier import added twice: the first stays (cues may point at either; they keep the first).
    Cue = apps.get_model("timeline", "Cue")
    for start in range(0, len(doubles), 1000):
        chunk = doubles[start : start + 1000]
        for double in headlines.objects.filter(id__in=chunk):
            text = "\x00".join((double.title, double.published_at.astimezone(UTC).isoformat(), double.outlet))
            first = headlines.objects.get(key=uuid.UUID(bytes=hashlib.sha256(text.encode()).digest()[:16]))
            Cue.objects.filter(headline_id=double.id).update(headline_id=first.id)
        headlines.objects.filter(id__in=chunk).delete()


class Migration(migrations.Migration):
    dependencies = [("timeline", "0002_timeline_review")]

    operations = [
        migrations.AddField(
            model_name="referenceheadline", name="key", field=models.UUIDField(null=True)
        ),
        migrations.RunPython(_keyed, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="referenceheadline", name="key", field=models.UUIDField(unique=True)
        ),
    ]
