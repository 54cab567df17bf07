"""The former qbsync app's tables, as its migrations (deleted when the app moved into qbo)
created them: for the upgrade test, which builds the old schema and migrates it forward."""

import django.db.models.deletion
from django.db import migrations, models

APP = "qbsync"
OPERATIONS = [
    migrations.CreateModel(
        name="QBOCall",
        fields=[
            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
            ("operation", models.CharField(max_length=100)),
            ("method", models.CharField(max_length=8)),
            ("status_code", models.PositiveSmallIntegerField(blank=True, null=True)),
            ("duration_ms", models.PositiveIntegerField(default=0)),
            ("request_id", models.CharField(blank=True, max_length=50)),
            ("intuit_tid", models.CharField(blank=True, max_length=100)),
            ("error", models.TextField(blank=True)),
            ("created_at", models.DateTimeField(auto_now_add=True)),
            (
                "company",
                models.ForeignKey(
                    blank=True,
                    null=True,
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="+",
                    to="accounts.company",
                ),
            ),
        ],
        options={
            "indexes": [
                models.Index(fields=["company", "-created_at"], name="qbocall_company_recent")
            ]
        },
    ),
    migrations.CreateModel(
        name="SyncCursor",
        fields=[
            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
            ("entity", models.CharField(max_length=20)),
            ("state", models.CharField(default="never", max_length=10)),
            ("high_water", models.DateTimeField(blank=True, null=True)),
            ("import_done", models.PositiveIntegerField(default=0)),
            ("import_total", models.PositiveIntegerField(default=0)),
            ("last_success_at", models.DateTimeField(blank=True, null=True)),
            ("last_run_rows", models.PositiveIntegerField(default=0)),
            ("last_error", models.TextField(blank=True)),
            ("last_error_at", models.DateTimeField(blank=True, null=True)),
            ("updated_at", models.DateTimeField(auto_now=True)),
            (
                "company",
                models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="sync_cursors",
                    to="accounts.company",
                ),
            ),
        ],
        options={
            "constraints": [
                models.UniqueConstraint(fields=("company", "entity"), name="unique_sync_cursor")
            ]
        },
    ),
    migrations.CreateModel(
        name="WebhookEvent",
        fields=[
            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
            ("event_id", models.CharField(max_length=200, unique=True)),
            ("realm_id", models.CharField(max_length=32)),
            ("entity", models.CharField(max_length=40)),
            ("entity_id", models.CharField(max_length=32)),
            ("operation", models.CharField(max_length=20)),
            ("deleted_id", models.CharField(blank=True, max_length=32)),
            ("occurred_at", models.DateTimeField(blank=True, null=True)),
            ("payload_format", models.CharField(max_length=12)),
            ("status", models.CharField(default="pending", max_length=10)),
            ("received_at", models.DateTimeField(auto_now_add=True)),
            ("queued_at", models.DateTimeField(blank=True, null=True)),
            ("processed_at", models.DateTimeField(blank=True, null=True)),
            (
                "company",
                models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="webhook_events",
                    to="accounts.company",
                ),
            ),
        ],
        options={
            "indexes": [
                models.Index(fields=["company", "status", "received_at"], name="webhook_pending")
            ]
        },
    ),
]
