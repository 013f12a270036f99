from django.db import migrations, models

# A word OCR damaged finds the words it may be among the index's words, once each, by their trigrams
# (archive/search.py); the trigram index on every entry's text is no longer read. The words of the
# entries already there are written once.
POSTGRESQL = [
    "CREATE INDEX archive_searchword_trigrams ON archive_searchword USING gin (word gin_trgm_ops)",
    "DROP INDEX IF EXISTS archive_searchentry_trigrams",
    "INSERT INTO archive_searchword (word) SELECT DISTINCT lower(found[1]) FROM archive_searchentry, "
    r"regexp_matches(words, '(\w{4,64})', 'g') AS found ON CONFLICT DO NOTHING",
]
UNDO = [
    "CREATE INDEX archive_searchentry_trigrams ON archive_searchentry USING gin (words gin_trgm_ops)",
]


def word_index(apps: object, schema_editor: object) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL:
            schema_editor.execute(statement)


def word_index_dropped(apps: object, schema_editor: object) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in UNDO:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0007_custody_mentions"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("word", models.CharField(max_length=64, primary_key=True, serialize=False)),
            ],
        ),
        migrations.RunPython(word_index, word_index_dropped),
    ]
