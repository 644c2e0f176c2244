from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns_app", "0012_auditentry_about_campaign_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="stepitem",
            name="due_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
