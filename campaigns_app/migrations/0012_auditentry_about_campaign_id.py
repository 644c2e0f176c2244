from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns_app", "0011_campaign_layout"),
    ]

    operations = [
        migrations.RenameField(
            model_name="auditentry",
            old_name="campaign_id_ref",
            new_name="about_campaign_id",
        ),
    ]
