from django.apps import AppConfig


class CampaignsAppConfig(AppConfig):
    name = "campaigns_app"
    verbose_name = "Campaigns"
    default_auto_field = "django.db.models.BigAutoField"
