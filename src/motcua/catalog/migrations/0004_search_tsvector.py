"""PostgreSQL: GIN index on to_tsvector('simple', search_text) for word-prefix search (docs/adr/0002-search.md)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from motcua.catalog.search_index import install

    install(schema_editor.connection)  # idempotent: adds what 0003 did not create


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0003_search_indexes"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
