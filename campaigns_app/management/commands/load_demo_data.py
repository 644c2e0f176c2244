from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from campaigns_app.demo import (
    ENSEMBLE_CAMPAIGN_NAME,
    ENSEMBLE_DESCRIPTION,
    SEED_CAMPAIGN_NAME,
    SEED_DESCRIPTION,
    SEED_PARAMETERS,
    WORKFLOWS_CAMPAIGN_NAME,
    WORKFLOWS_DESCRIPTION,
    ensemble_graph,
    ensemble_parameters,
    seed_graph,
    workflows_graph,
)
from campaigns_app.models import Campaign
from campaigns_app.services import campaign_create


class Command(BaseCommand):
    help = (
        "Create the demo campaigns once, public so every user finds them: the 'Seed campaign', the seed as a "
        "campaign of workflows, and an ensemble of 20 (safe to run again)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="admin", help="username that owns the demo campaigns")

    def handle(self, *args, owner, **options):
        user = get_user_model().objects.filter(username=owner).first()
        if user is None:
            raise CommandError(f"user {owner!r} does not exist; run ensure_admin first")
        seed = Campaign.objects.filter(name=SEED_CAMPAIGN_NAME).order_by("pk").first()
        if seed is None:
            seed = self._create(
                user,
                name=SEED_CAMPAIGN_NAME,
                description=SEED_DESCRIPTION,
                parameters=SEED_PARAMETERS,
                graph=seed_graph(),
            )
        else:
            self.stdout.write(f"demo data already present ({SEED_CAMPAIGN_NAME!r})")
        for name, description, parameters, graph in (
            (WORKFLOWS_CAMPAIGN_NAME, WORKFLOWS_DESCRIPTION, SEED_PARAMETERS, workflows_graph(seed.pk)),
            (ENSEMBLE_CAMPAIGN_NAME, ENSEMBLE_DESCRIPTION, ensemble_parameters(), ensemble_graph(seed.pk)),
        ):
            if not Campaign.objects.filter(name=name).exists():
                self._create(user, name=name, description=description, parameters=parameters, graph=graph)

    def _create(self, user, **definition) -> Campaign:
        campaign = campaign_create(owner=user, visibility="public", tags=["demo"], **definition)
        self.stdout.write(self.style.SUCCESS(f"created demo campaign {campaign.name!r} (id {campaign.pk})"))
        return campaign
