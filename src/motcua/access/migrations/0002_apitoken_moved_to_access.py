# The API token moved from directory to access (below every app's API): the same table, state only.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('access', '0001_initial'),
        ('directory', '0003_apitoken_expiry'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key_hash', models.CharField(max_length=64, unique=True, verbose_name='mã băm SHA-256')),
                ('prefix', models.CharField(max_length=8, verbose_name='tiền tố')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='ngày cấp')),
                ('last_used_at', models.DateTimeField(blank=True, null=True, verbose_name='lần dùng gần nhất')),
                ('expires_at', models.DateTimeField(verbose_name='hết hạn lúc')),
                ('revoked', models.BooleanField(default=False, verbose_name='đã thu hồi')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL, verbose_name='tài khoản')),
            ],
            options={
                'verbose_name': 'mã truy cập API',
                'verbose_name_plural': 'mã truy cập API',
                'db_table': 'directory_apitoken',
            },
        ),
            ],
        ),
    ]
