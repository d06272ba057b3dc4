# Tokens expire (docs/adr/0007). Tokens issued before this migration had no expiry: they get the default
# lifetime (MOTCUA_API_TOKEN_DAYS, 90 days) counted from the upgrade, so no integration breaks on the day
# of the upgrade and none stays valid for ever.

from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def expiry_for_existing_tokens():
    return timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0002_name_folded'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='apitoken',
            options={'verbose_name': 'mã truy cập API', 'verbose_name_plural': 'mã truy cập API'},
        ),
        migrations.AddField(
            model_name='apitoken',
            name='expires_at',
            field=models.DateTimeField(default=expiry_for_existing_tokens, verbose_name='hết hạn lúc'),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='apitoken',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='ngày cấp'),
        ),
        migrations.AlterField(
            model_name='apitoken',
            name='key_hash',
            field=models.CharField(max_length=64, unique=True, verbose_name='mã băm SHA-256'),
        ),
        migrations.AlterField(
            model_name='apitoken',
            name='last_used_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='lần dùng gần nhất'),
        ),
        migrations.AlterField(
            model_name='apitoken',
            name='prefix',
            field=models.CharField(max_length=8, verbose_name='tiền tố'),
        ),
        migrations.AlterField(
            model_name='apitoken',
            name='revoked',
            field=models.BooleanField(default=False, verbose_name='đã thu hồi'),
        ),
        migrations.AlterField(
            model_name='apitoken',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL, verbose_name='tài khoản'),
        ),
    ]
