"""Login tokens (``POST /api/auth/token/``) are stored hashed like the ``afs_`` ones.

The clear keys of ``rest_framework.authtoken`` move into ``ApiToken`` as their SHA-256 (so scripts holding one go
on working), and its table is dropped: the database no longer holds a key anyone could present.
"""

import hashlib

from django.db import migrations, models

AUTHTOKEN_TABLE = "authtoken_token"


def login_tokens_hash(apps, schema_editor):
    connection = schema_editor.connection
    if AUTHTOKEN_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("campaigns_app", "ApiToken")
    quoted = schema_editor.quote_name(AUTHTOKEN_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {quoted}")
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                user_id=user_id,
                name="login token",
                kind="login",
                prefix=key[:8],
                key_hash=hashlib.sha256(key.encode()).hexdigest(),
                created_at=created,
            )
            for key, user_id, created in rows
        ]
    )
    schema_editor.execute(f"DROP TABLE {quoted}")


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns_app", "0007_executable_rights"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="kind",
            field=models.CharField(
                choices=[("personal", "Personal"), ("login", "Login")], default="personal", max_length=16
            ),
        ),
        migrations.RunPython(login_tokens_hash, migrations.RunPython.noop),
    ]
