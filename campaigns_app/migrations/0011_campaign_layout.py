from django.db import migrations, models


def layout_from_current_version(apps, schema_editor):
    """Each campaign's layout starts as the step positions of its current version."""
    Campaign = apps.get_model("campaigns_app", "Campaign")
    CampaignVersion = apps.get_model("campaigns_app", "CampaignVersion")
    for campaign in Campaign.objects.only("pk", "version").iterator():
        version = CampaignVersion.objects.filter(campaign_id=campaign.pk, number=campaign.version).first()
        steps = (version.graph or {}).get("steps", []) if version else []
        positions = {s["id"]: s["position"] for s in steps if isinstance(s, dict) and s.get("position")}
        Campaign.objects.filter(pk=campaign.pk).update(layout={"positions": positions, "notes": []})


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns_app", "0010_run_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="layout",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(layout_from_current_version, migrations.RunPython.noop),
    ]
