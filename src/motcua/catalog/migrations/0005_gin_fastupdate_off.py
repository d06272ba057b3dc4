"""PostgreSQL: search GIN indexes with fastupdate = off, pending list merged (docs/adr/0002-search.md)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from motcua.catalog.search_index import gin_fastupdate_off

    gin_fastupdate_off(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0004_search_tsvector"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
