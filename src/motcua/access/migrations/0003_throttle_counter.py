# Throttle counters (motcua.access.throttle, ADR 0008): misses per client and per dossier code in one window.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('access', '0002_apitoken_moved_to_access'),
    ]

    operations = [
        migrations.CreateModel(
            name='ThrottleCounter',
            fields=[
                ('key', models.CharField(max_length=64, primary_key=True, serialize=False)),
                ('hits', models.PositiveIntegerField(default=0)),
                ('expires_at', models.DateTimeField(db_index=True)),
            ],
            options={
                'verbose_name': 'bộ đếm giới hạn truy cập',
                'verbose_name_plural': 'bộ đếm giới hạn truy cập',
            },
        ),
    ]
