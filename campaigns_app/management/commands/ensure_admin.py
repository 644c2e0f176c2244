import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the admin user if missing; password from STUDIO_ADMIN_PASSWORD, else generated once."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=os.environ.get("STUDIO_ADMIN_USER", "admin"))

    def handle(self, *args, username, **options):
        password_file = settings.VAR_DIR / "admin_password"
        password = os.environ.get("STUDIO_ADMIN_PASSWORD")
        if not password and password_file.exists():
            password = password_file.read_text().strip()
        if not password:
            password = secrets.token_urlsafe(12)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            User.objects.create_superuser(username=username, email="", password=password)
            self.stdout.write(f"created user {username}")
        elif os.environ.get("STUDIO_ADMIN_PASSWORD"):
            user.set_password(password)
            user.save(update_fields=["password"])
        elif not user.check_password(password):
            # Someone changed it since; never reset a password they chose.
            self.stdout.write(f"login: {username} (password changed since it was generated)")
            return
        self.stdout.write(f"login: {username} / {password}")
