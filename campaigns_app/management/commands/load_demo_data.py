from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from campaigns_app.demo import (
    SEED_CAMPAIGN_NAME,
    SEED_DESCRIPTION,
    SEED_PARAMETERS,
    seed_graph,
)
from campaigns_app.models import Campaign
from campaigns_app.services import campaign_create


class Command(BaseCommand):
    help = "Create the demo 'Seed campaign' once, public so every user finds it (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="admin", help="username that owns the demo campaign")

    def handle(self, *args, owner, **options):
        user = get_user_model().objects.filter(username=owner).first()
        if user is None:
            raise CommandError(f"user {owner!r} does not exist; run ensure_admin first")
        if Campaign.objects.filter(name=SEED_CAMPAIGN_NAME).exists():
            self.stdout.write(f"demo data already present ({SEED_CAMPAIGN_NAME!r})")
            return
        campaign = campaign_create(owner=user, name=SEED_CAMPAIGN_NAME, description=SEED_DESCRIPTION,
                                   parameters=SEED_PARAMETERS, graph=seed_graph(),
                                   visibility="public", tags=["demo"])
        self.stdout.write(self.style.SUCCESS(f"created demo campaign {campaign.name!r} (id {campaign.pk})"))
