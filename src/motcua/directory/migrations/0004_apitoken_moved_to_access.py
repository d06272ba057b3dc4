# The API token now belongs to the access app (access 0002 takes over the same table).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0003_apitoken_expiry'),
        ('access', '0002_apitoken_moved_to_access'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name='ApiToken')]),
    ]
