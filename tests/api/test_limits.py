"""Hostile and oversized input answers 4xx naming the limit or field, never a 500, and stores nothing."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from campaigns_app.models import Campaign, Team
from tests.conftest import seed_definition

BIG = str(2**64)


def chain(size: int) -> dict:
    steps = [{"id": f"s{i}", "kind": "function", "function": "noop"} for i in range(size)]
    edges = [{"source": f"s{i - 1}", "target": f"s{i}"} for i in range(1, size)]
    return {"steps": steps, "edges": edges}


def nested(depth: int):
    value: object = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def test_a_campaign_past_the_step_limit_is_refused_naming_the_setting(alice_api, settings):
    settings.STUDIO_MAX_STEPS = 100
    answer = alice_api.post("/api/campaigns/", {"name": "big", "graph": chain(101)}, format="json")
    assert answer.status_code == 400
    assert "STUDIO_MAX_STEPS" in answer.json()["graph"][0]["message"]
    assert alice_api.post("/api/campaigns/", {"name": "ok", "graph": chain(100)}, format="json").status_code == 201
    assert list(Campaign.objects.values_list("name", flat=True)) == ["ok"]


def test_kwargs_past_the_size_limit_are_refused_naming_the_step(alice_api, settings):
    settings.STUDIO_MAX_KWARGS_BYTES = 1000
    graph = {
        "steps": [{"id": "fat", "kind": "function", "function": "echo", "kwargs": {"value": "x" * 2000}}],
        "edges": [],
    }
    answer = alice_api.post("/api/campaigns/", {"name": "fat", "graph": graph}, format="json")
    assert answer.status_code == 400
    fault = answer.json()["graph"][0]
    assert fault["step"] == "fat" and "STUDIO_MAX_KWARGS_BYTES" in fault["message"]
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    "path", ["/api/auth/token/", "/api/auth/login/", "/api/campaigns/", "/api/campaigns/import/", "/api/external-runs/"]
)
def test_json_nested_a_thousand_deep_is_a_400_on_every_json_endpoint(alice_api, path):
    body = "[" * 1000 + "]" * 1000
    answer = alice_api.post(path, body, content_type="application/json")
    assert answer.status_code == 400
    assert "STUDIO_MAX_JSON_DEPTH" in answer.json()["detail"]
    body = json.dumps({"name": "deep", "graph": nested(40)})
    answer = alice_api.post(path, body, content_type="application/json")
    assert answer.status_code == 400 and "STUDIO_MAX_JSON_DEPTH" in answer.json()["detail"]
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "x", "graph": {"steps": [], "edges": []}, "n": 1e999}',
        '{"name": "x\\u0000y", "graph": {}}',
        '{"name": "\\ud800", "graph": {}}',
    ],
)
def test_numbers_and_text_no_column_can_store_are_a_400(alice_api, text):
    answer = alice_api.post("/api/campaigns/", text, content_type="application/json")
    assert answer.status_code == 400, answer.content
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        f"/api/runs/?campaign={BIG}",
        f"/api/campaigns/?team={BIG}",
        f"/api/audit/?campaign={BIG}",
        f"/api/dashboard/?ids={BIG}",
        "/api/runs/?campaign=%C2%B2",
        f"/api/runs/{{run}}/events/?after={BIG}",
        f"/api/runs/?parent={2**63}",
        "/api/runs/?parent=%2B1",
        "/api/runs/?parent=x",
        "/api/runs/?steps=some",
        f"/api/campaigns/{{campaign}}/diff/?to={BIG}",
    ],
)
def test_whole_numbers_past_64_bits_in_query_strings_are_a_400_naming_them(alice_api, seed_campaign, path):
    from campaigns_app.services import run_launch

    run = run_launch(campaign=seed_campaign, user=seed_campaign.owner, parameters={"name": "A"})
    answer = alice_api.get(path.replace("{run}", str(run.pk)).replace("{campaign}", str(seed_campaign.pk)))
    assert answer.status_code == 400
    name = path.split("?")[1].split("=")[0]
    assert name in answer.json()


def test_a_member_id_past_64_bits_is_a_400(alice_api, alice):
    team = alice_api.post("/api/teams/", {"name": "Lab"}, format="json").json()
    answer = alice_api.patch(f"/api/teams/{team['id']}/members/{BIG}/", {"role": "viewer"}, format="json")
    assert answer.status_code == 400 and "user_id" in answer.json()
    assert alice_api.get(f"/api/campaigns/{BIG}/").status_code == 404


ANCHORS = """
kind: asyncflow-studio/campaign
name: bomb
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
graph: {steps: [{id: s, kind: function, function: noop, kwargs: {v: *b}}], edges: []}
"""


def test_a_yaml_import_with_anchors_and_aliases_is_refused_before_anything_is_stored(alice_api):
    answer = alice_api.post("/api/campaigns/import/", {"document": ANCHORS, "format": "yaml"}, format="json")
    assert answer.status_code == 400
    assert "anchors and aliases" in answer.json()["document"][0]
    assert not Campaign.objects.exists()


def test_a_yaml_import_with_values_json_cannot_hold_names_them(alice_api):
    document = (
        "kind: asyncflow-studio/campaign\nname: dated\ngraph:\n  steps:\n"
        "  - {id: s, kind: function, function: echo, kwargs: {value: 2024-01-02}}\n  edges: []\n"
    )
    answer = alice_api.post("/api/campaigns/import/", {"document": document, "format": "yaml"}, format="json")
    assert answer.status_code == 400
    assert "document.graph.steps[0].kwargs.value is a date" in answer.json()["document"][0]
    deep = "kind: asyncflow-studio/campaign\nname: deep\ngraph: " + "[" * 200 + "]" * 200 + "\n"
    answer = alice_api.post("/api/campaigns/import/", {"document": deep, "format": "yaml"}, format="json")
    assert answer.status_code == 400 and "STUDIO_MAX_JSON_DEPTH" in answer.json()["document"][0]
    assert not Campaign.objects.exists()


def test_deleting_a_campaign_with_active_runs_is_a_409_and_keeps_it(alice_api, seed_campaign):
    from campaigns_app.services import run_cancel, run_launch

    run = run_launch(campaign=seed_campaign, user=seed_campaign.owner, parameters={"name": "A"})
    answer = alice_api.delete(f"/api/campaigns/{seed_campaign.pk}/")
    assert answer.status_code == 409
    assert answer.json()["active_runs"] == 1 and "cancel them first" in answer.json()["detail"]
    assert Campaign.objects.filter(pk=seed_campaign.pk).exists()
    run_cancel(run_id=run.pk, user=seed_campaign.owner)
    assert alice_api.delete(f"/api/campaigns/{seed_campaign.pk}/").status_code == 204


@pytest.mark.parametrize("name", ["Lab\x00", "Lab\nTwo", "Lab\u202e", "Lab\u200b", "\x1b[31mred"])
def test_team_names_refuse_control_and_invisible_characters(alice_api, name):
    answer = alice_api.post("/api/teams/", {"name": name}, format="json")
    assert answer.status_code == 400 and "name" in json.dumps(answer.json())
    assert not Team.objects.exists()
    assert alice_api.post("/api/teams/", {"name": "Lab ünd 实验室 🧪"}, format="json").status_code == 201


def test_users_lists_teammates_only_and_everyone_for_staff(alice_api, bob, charlie, db):
    from tests.conftest import client_for, make_user, team_with

    team_with("Lab", alice="admin", bob="viewer")
    assert [u["username"] for u in alice_api.get("/api/users/").json()] == ["alice", "bob"]
    assert [u["username"] for u in alice_api.get("/api/users/?search=char").json()] == []
    assert [u["username"] for u in alice_api.get("/api/users/?search=charlie").json()] == ["charlie"]
    staff = client_for(make_user("root", is_staff=True))
    assert [u["username"] for u in staff.get("/api/users/").json()] == ["alice", "bob", "charlie", "root"]


def test_a_big_run_offers_a_summary_and_pages_of_steps(alice_api, alice, settings):
    from campaigns_app.services import campaign_create, run_launch

    campaign = campaign_create(
        owner=alice, **{**seed_definition(), "name": "wide", "parameters": [], "graph": chain(30)}
    )
    run = run_launch(campaign=campaign, user=alice, parameters={})
    full = alice_api.get(f"/api/runs/{run.pk}/").json()
    assert len(full["steps"]) == 30 and full["graph"]["steps"]
    summary = alice_api.get(f"/api/runs/{run.pk}/?steps=summary").json()
    assert "steps" not in summary and "graph" not in summary
    assert summary["step_total"] == 30 and sum(summary["step_counts"].values()) == 30
    listed = alice_api.get("/api/runs/?steps=summary").json()["results"]
    assert listed[0]["step_total"] == 30 and "steps" not in listed[0]
    first = alice_api.get(f"/api/runs/{run.pk}/steps/?page_size=20").json()
    assert first["count"] == 30 and [s["step"] for s in first["results"]][:2] == ["s0", "s1"]
    second = alice_api.get(first["next"]).json()
    assert [s["step"] for s in second["results"]] == [f"s{i}" for i in range(20, 30)]
    assert alice_api.get(f"/api/runs/{run.pk}/?steps=some").status_code == 400


def test_a_run_the_user_may_not_see_has_no_steps_page(bob_api, seed_campaign):
    from campaigns_app.services import run_launch

    run = run_launch(campaign=seed_campaign, user=seed_campaign.owner, parameters={"name": "A"})
    assert bob_api.get(f"/api/runs/{run.pk}/steps/").status_code == 404


@override_settings(STUDIO_MAX_STEPS=5)
def test_an_import_past_the_step_limit_is_refused(alice_api):
    document = json.dumps({"kind": "asyncflow-studio/campaign", "name": "big", "graph": chain(6)})
    answer = alice_api.post("/api/campaigns/import/", {"document": document, "format": "json"}, format="json")
    assert answer.status_code == 400 and "STUDIO_MAX_STEPS" in answer.json()["graph"][0]["message"]


def test_a_name_past_its_max_length_is_a_400_even_when_mostly_trimmable_whitespace(alice_api):
    """Python's strip() eats \\x1c-\\x1f: the schema's maxLength holds for the text as sent, before trimming."""
    definition = seed_definition()
    answer = alice_api.post("/api/campaigns/", {**definition, "name": "Lab" + "\x1c" * 300}, format="json")
    assert answer.status_code == 400 and "200 characters" in json.dumps(answer.json()["name"])
    assert not Campaign.objects.exists()
    assert alice_api.post("/api/campaigns/", {**definition, "name": "  Lab  "}, format="json").json()["name"] == "Lab"
