"""Hostile input to POST /api/campaigns/{id}/test-step/: never a 5xx, always a clear 4xx, nothing run."""

import json

import pytest

from campaigns_app.models import Run

from .test_step_tests_api import ECHO

pytestmark = pytest.mark.django_db


def tried(api, campaign_id, body):
    return api.post(f"/api/campaigns/{campaign_id}/test-step/", body, format="json")


@pytest.mark.parametrize(
    ("body", "named"),
    [
        # A sample result that renders past the kwargs limit.
        ({"step": {**ECHO, "kwargs": {"x": "{{ steps.s1.result }}"}}, "upstream": {"s1": "x" * 2_000_000}}, "kwargs"),
        ({"step": {**ECHO, "id": "s" * 10_000}}, "id"),
        ({"step": {**ECHO, "id": "bad\x00id"}}, "id"),
        ({"step": ECHO, "parameters": ["x"]}, "parameters"),
        ({"step": {**ECHO, "kwargs": [1, 2]}}, "kwargs"),
    ],
)
def test_hostile_bodies_get_a_4xx_naming_what_is_wrong(alice_api, seed_campaign, body, named):
    answer = tried(alice_api, seed_campaign.pk, body)
    assert 400 <= answer.status_code < 500, answer.content[:300]
    assert named in str(answer.json())
    assert Run.objects.count() == 0


def test_a_sample_nested_past_the_depth_limit_is_400(alice_api, seed_campaign):
    deep = "[" * 2_000 + "1" + "]" * 2_000
    body = '{"step": ' + json.dumps(ECHO) + ', "upstream": {"s1": ' + deep + "}}"
    answer = alice_api.post(f"/api/campaigns/{seed_campaign.pk}/test-step/", body, content_type="application/json")
    assert answer.status_code == 400 and "STUDIO_MAX_JSON_DEPTH" in str(answer.json())
    assert Run.objects.count() == 0


@pytest.mark.parametrize("campaign_id", ["99999999", str(2**70), "-1", "abc"])
def test_foreign_or_impossible_campaign_ids_are_404(alice_api, campaign_id):
    assert tried(alice_api, campaign_id, {"step": ECHO}).status_code == 404
