from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from campaigns_app.models import Campaign
from campaigns_app.services import campaign_document, campaign_script, document_dumps


class Command(BaseCommand):
    help = "Write a campaign's definition as JSON or YAML (for import_campaign), or as an AsyncFlow script."

    def add_arguments(self, parser):
        parser.add_argument("campaign", type=int, help="campaign id")
        parser.add_argument(
            "-o",
            "--output",
            help="file to write (default: standard output); the format follows its extension unless --format is given",
        )
        parser.add_argument("-f", "--format", choices=["json", "yaml", "asyncflow"])
        parser.add_argument("--campaign-version", dest="number", type=int, help="a version number (default: current)")

    def handle(self, *args, campaign, output, format, number, **options):
        found = Campaign.objects.filter(pk=campaign).first()
        if found is None:
            raise CommandError(f"no campaign {campaign}")
        version = None
        if number is not None:
            version = found.versions.filter(number=number).first()
            if version is None:
                raise CommandError(f"campaign {campaign} has no version {number} (1 to {found.version})")
        fmt = format or {".yaml": "yaml", ".yml": "yaml", ".py": "asyncflow"}.get(
            Path(output).suffix.lower() if output else "", "json"
        )
        if fmt == "asyncflow":
            text = campaign_script(found, version)
        else:
            text = document_dumps(campaign_document(found, version), fmt)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(
                f"wrote {found.name!r} v{version.number if version else found.version} as {fmt} to {output}"
            )
        else:
            self.stdout.write(text, ending="")
