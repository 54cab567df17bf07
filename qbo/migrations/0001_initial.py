"""The QuickBooks core's tables. Its company is the project's QBO_COMPANY_MODEL (a swappable
reference, as dj-stripe's subscriber is): a project that moved these models here from its own
apps copies their rows in its own migration (qbsync: accounts 0005)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

COMPANY_MODEL = getattr(settings, "QBO_COMPANY_MODEL", settings.AUTH_USER_MODEL)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(COMPANY_MODEL),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OAuthState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state_hash', models.CharField(max_length=64, unique=True)),
                ('session_key_hash', models.CharField(max_length=64)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=COMPANY_MODEL)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['created_at'], name='qbo_oauthstate_created')],
            },
        ),
        migrations.CreateModel(
            name='QBOCall',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('operation', models.CharField(max_length=100)),
                ('method', models.CharField(max_length=8)),
                ('status_code', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('duration_ms', models.PositiveIntegerField(default=0)),
                ('request_id', models.CharField(blank=True, max_length=50)),
                ('intuit_tid', models.CharField(blank=True, max_length=100)),
                ('error', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('company', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=COMPANY_MODEL)),
            ],
            options={
                'verbose_name': 'QuickBooks call',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['company', '-created_at'], name='qbo_call_company_recent')],
            },
        ),
        migrations.CreateModel(
            name='QuickBooksConnection',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('realm_id', models.CharField(db_index=True, max_length=32, verbose_name='realm id')),
                ('environment', models.CharField(choices=[('local', 'Local sandbox'), ('sandbox', 'Intuit sandbox'), ('production', 'Production')], max_length=10)),
                ('qbo_company_name', models.CharField(blank=True, max_length=255, verbose_name='QuickBooks company')),
                ('country', models.CharField(blank=True, max_length=8)),
                ('status', models.CharField(choices=[('connected', 'Connected'), ('needs_reauth', 'Needs reconnecting'), ('disconnected', 'Disconnected')], default='connected', max_length=12)),
                ('access_token_encrypted', models.TextField(blank=True, editable=False)),
                ('refresh_token_encrypted', models.TextField(blank=True, editable=False)),
                ('access_expires_at', models.DateTimeField(blank=True, null=True)),
                ('refresh_expires_at', models.DateTimeField(blank=True, null=True)),
                ('refresh_hard_expires_at', models.DateTimeField(blank=True, null=True)),
                ('token_version', models.PositiveIntegerField(default=0)),
                ('connected_at', models.DateTimeField(blank=True, null=True)),
                ('last_refreshed_at', models.DateTimeField(blank=True, null=True)),
                ('last_error', models.TextField(blank=True)),
                ('last_error_tid', models.CharField(blank=True, max_length=100, verbose_name='last error intuit_tid')),
                ('hard_expiry_warned_at', models.DateTimeField(blank=True, null=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('company', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='quickbooks_connection', to=COMPANY_MODEL)),
                ('connected_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'disconnected'), _negated=True), fields=('environment', 'realm_id'), name='qbo_unique_live_realm')],
            },
        ),
        migrations.CreateModel(
            name='SyncCursor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('entity', models.CharField(max_length=20)),
                ('state', models.CharField(choices=[('never', 'Not synced yet'), ('importing', 'Importing'), ('idle', 'Up to date'), ('error', 'Failing')], default='never', max_length=10)),
                ('high_water', models.DateTimeField(blank=True, help_text="QBO's clock when the last successful pull began.", null=True)),
                ('import_done', models.PositiveIntegerField(default=0)),
                ('import_total', models.PositiveIntegerField(default=0)),
                ('last_success_at', models.DateTimeField(blank=True, null=True)),
                ('last_run_rows', models.PositiveIntegerField(default=0)),
                ('last_error', models.TextField(blank=True)),
                ('last_error_at', models.DateTimeField(blank=True, null=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sync_cursors', to=COMPANY_MODEL)),
            ],
            options={
                'ordering': ['company', 'entity'],
                'constraints': [models.UniqueConstraint(fields=('company', 'entity'), name='qbo_unique_sync_cursor')],
            },
        ),
        migrations.CreateModel(
            name='WebhookEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event_id', models.CharField(max_length=200, unique=True)),
                ('realm_id', models.CharField(max_length=32)),
                ('entity', models.CharField(max_length=40)),
                ('entity_id', models.CharField(max_length=32)),
                ('operation', models.CharField(max_length=20)),
                ('deleted_id', models.CharField(blank=True, max_length=32, verbose_name='merged-away id')),
                ('occurred_at', models.DateTimeField(blank=True, null=True)),
                ('payload_format', models.CharField(max_length=12)),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('processed', 'Processed')], default='pending', max_length=10)),
                ('received_at', models.DateTimeField(auto_now_add=True)),
                ('queued_at', models.DateTimeField(blank=True, null=True)),
                ('processed_at', models.DateTimeField(blank=True, null=True)),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='webhook_events', to=COMPANY_MODEL)),
            ],
            options={
                'ordering': ['-received_at', '-id'],
                'indexes': [models.Index(fields=['company', 'status', 'received_at'], name='qbo_webhook_pending')],
            },
        ),
    ]
