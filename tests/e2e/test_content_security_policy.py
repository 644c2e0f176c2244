"""The app and Swagger UI work under the Content-Security-Policy: nothing refused, pages drawn."""

import pytest

from campaigns_app.services import campaign_create, run_launch
from tests.conftest import make_user, seed_definition

from .test_live_run_page import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_app_and_swagger_ui_run_under_the_policy(page):
    user = make_user("carol")
    campaign = campaign_create(owner=user, **seed_definition(step_seconds=0.05))
    run = run_launch(campaign=campaign, user=user, parameters={"name": "A"})
    login(page, "carol")
    page.goto(f"/campaigns/{campaign.pk}/edit")
    page.wait_for_selector("[data-testid=rf__node-s1]")
    page.goto(f"/runs/{run.pk}")
    page.wait_for_selector("[data-testid=run-state][data-state=succeeded]", timeout=20000)
    page.goto("/dashboard")
    page.wait_for_load_state("networkidle")
    response = page.goto("/api/docs/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .opblock", timeout=20000)
    refused = [e for e in page.console_errors if "Content Security Policy" in e or "Refused to" in e]
    assert refused == []
