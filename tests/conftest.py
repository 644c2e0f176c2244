from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from campaigns_app.demo import SEED_PARAMETERS, seed_graph

MARK_BY_FOLDER = {
    "api": "api",
    "integration": "integration",
    "faults": "integration",
    "ws": "ws",
    "e2e": "e2e",
    "services": "services",
}


def pytest_collection_modifyitems(items):
    for item in items:
        parts = item.path.parts
        if "tests" in parts:
            folder = parts[parts.index("tests") + 1] if len(parts) > parts.index("tests") + 1 else ""
            if folder in MARK_BY_FOLDER:
                item.add_marker(getattr(pytest.mark, MARK_BY_FOLDER[folder]))


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_definition_cache():
    # Rolled-back test transactions hand the same version ids out again.
    from campaigns_app.services.definitions import _test_run_definition, version_definition

    version_definition.cache_clear()
    _test_run_definition.cache_clear()
    yield
    version_definition.cache_clear()
    _test_run_definition.cache_clear()


def make_user(username: str, **extra):
    return get_user_model().objects.create_user(username=username, password=f"{username}-password-1", **extra)


@pytest.fixture
def alice(db):
    return make_user("alice")


@pytest.fixture
def bob(db):
    return make_user("bob")


@pytest.fixture
def charlie(db):
    return make_user("charlie")


def team_with(name: str, *, may_run_executables: bool = False, **roles):
    """A team with members given as username=role, e.g. ``team_with("Lab", alice="admin", bob="viewer")``.

    ``may_run_executables``: a site admin allowed the team executable steps.
    """
    from campaigns_app.models import Membership, Team

    team = Team.objects.create(name=name, may_run_executables=may_run_executables)
    User = get_user_model()
    for username, role in roles.items():
        Membership.objects.create(team=team, user=User.objects.get(username=username), role=role)
    return team


def allow_executables(user) -> None:
    """A site admin allowed the user executable steps in campaigns outside any team."""
    from campaigns_app.models import UserCapabilities

    UserCapabilities.objects.update_or_create(user=user, defaults={"may_run_executables": True})


@pytest.fixture
def alice_runs_commands(alice):
    """Alice may save and launch campaigns with executable steps, in her own space and in her allowed team."""
    allow_executables(alice)
    return team_with("Alice's lab", may_run_executables=True, alice="editor")


def login_token_for(user) -> str:
    """The key of a new login token, as ``POST /api/auth/token/`` hands out."""
    from campaigns_app.services import login_token_create

    return login_token_create(user=user)


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {login_token_for(user)}")
    return client


@pytest.fixture
def alice_api(alice):
    return client_for(alice)


@pytest.fixture
def bob_api(bob):
    return client_for(bob)


def seed_definition(step_seconds: float = 0.5, name: str = "Seed campaign") -> dict:
    return {
        "name": name,
        "description": "four chained sleeps",
        "parameters": SEED_PARAMETERS,
        "graph": seed_graph(step_seconds),
    }


@pytest.fixture
def seed_campaign(alice):
    from campaigns_app.services import campaign_create

    return campaign_create(owner=alice, **seed_definition(step_seconds=0.05))
