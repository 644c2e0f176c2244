import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from campaigns_app.models import Team, Visibility
from campaigns_app.services import ServiceError, campaign_import, document_parse, team_for_campaigns


def _faults(detail) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{field}: {_faults(value)}" for field, value in detail.items())
    if isinstance(detail, list):
        return ", ".join(item.get("message", str(item)) if isinstance(item, dict) else str(item) for item in detail)
    return str(detail)


class Command(BaseCommand):
    help = "Create a campaign from a JSON or YAML file written by export_campaign (or the UI's export)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the file, or - for standard input")
        parser.add_argument("--owner", required=True, help="username of the new campaign's owner")
        parser.add_argument("--team", help="team name (the owner must be an editor or admin of it)")
        parser.add_argument("--visibility", choices=Visibility.values, default=Visibility.PRIVATE)
        parser.add_argument("--name", help="name of the new campaign (default: the file's)")

    def handle(self, *args, file, owner, team, visibility, name, **options):
        user = get_user_model().objects.filter(username=owner).first()
        if user is None:
            raise CommandError(f"no user {owner!r}")
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        fmt = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}.get(Path(file).suffix.lower())
        team_obj = None
        if team:
            team_obj = Team.objects.filter(name=team).first()
            if team_obj is None:
                raise CommandError(f"no team {team!r}")
        try:
            if team_obj is not None:
                team_obj = team_for_campaigns(user=user, team_id=team_obj)
            campaign = campaign_import(
                user=user, document=document_parse(text, fmt), team=team_obj, visibility=visibility, name=name
            )
        except ServiceError as exc:
            raise CommandError(f"{file} was not imported: {_faults(exc.detail)}") from None
        self.stdout.write(self.style.SUCCESS(f"imported {campaign.name!r} as campaign {campaign.pk}"))
