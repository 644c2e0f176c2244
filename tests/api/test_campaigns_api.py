import pytest
from rest_framework.test import APIClient

from campaigns_app.models import Campaign, CampaignVersion
from tests.conftest import seed_definition

pytestmark = pytest.mark.django_db


def fn(step_id, function="noop", **kwargs):
    return {"id": step_id, "kind": "function", "function": function, "kwargs": kwargs}


def post(api, body):
    return api.post("/api/campaigns/", body, format="json")


def test_anonymous_requests_are_refused():
    client = APIClient()
    for url in ("/api/campaigns/", "/api/runs/", "/api/functions/", "/api/auth/me/"):
        assert client.get(url).status_code in (401, 403), url


def test_the_session_endpoint_answers_signed_out_as_an_ordinary_answer(alice, client):
    assert client.get("/api/auth/session/").json() == {"authenticated": False, "user": None}
    client.force_login(alice)
    body = client.get("/api/auth/session/").json()
    assert body["authenticated"] is True and body["user"]["username"] == "alice"


def test_token_endpoint_exchanges_credentials_for_a_working_token(alice):
    client = APIClient()
    answer = client.post("/api/auth/token/", {"username": "alice", "password": "alice-password-1"}, format="json")
    assert answer.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    assert client.get("/api/auth/me/").json()["username"] == "alice"
    wrong = APIClient().post("/api/auth/token/", {"username": "alice", "password": "nope"}, format="json")
    assert wrong.status_code == 401


def test_create_returns_the_campaign_with_version_one(alice_api):
    answer = post(alice_api, seed_definition())
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["version"] == 1 and body["owner"] == "alice"
    assert [s["id"] for s in body["graph"]["steps"]] == ["s1", "s2", "s3", "s4"]
    assert body["graph"]["steps"][0]["backend"] == "thread"
    assert body["created_at"].endswith("Z") and "." in body["created_at"]
    assert alice_api.get(f"/api/campaigns/{body['id']}/").json()["graph"] == body["graph"]


def test_the_issue_example_is_accepted(alice_api, alice_runs_commands):
    body = {
        "name": "Seed campaign",
        "description": "...",
        "parameters": [{"name": "name", "type": "string", "default": "Campaign A"}],
        "graph": {
            "steps": [
                fn("s1", "sleep", seconds=0.5) | {"name": "Step 1"},
                {
                    "id": "s2",
                    "name": "Step 2",
                    "kind": "executable",
                    "argv": ["echo", "{{ params.name }}", "{{ steps.s1.result }}"],
                },
            ],
            "edges": [{"source": "s1", "target": "s2"}],
        },
    }
    assert post(alice_api, body).status_code == 201


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        (
            {"steps": [fn("a"), fn("b")], "edges": [{"source": "a", "target": "b"}, {"source": "b", "target": "a"}]},
            "cycle: ",
        ),
        ({"steps": [fn("a")], "edges": [{"source": "a", "target": "zz"}]}, "unknown step 'zz'"),
        ({"steps": [fn("a"), fn("a")], "edges": []}, "duplicate step id 'a'"),
        ({"steps": [{"id": "a", "kind": "lambda"}], "edges": []}, "unknown kind 'lambda'"),
        ({"steps": [fn("a", "rm_rf")], "edges": []}, "unknown function 'rm_rf'"),
        ({"steps": [fn("a") | {"backend": "mainframe"}], "edges": []}, "unknown backend 'mainframe'"),
        ({"steps": [fn("a", "sleep", seconds=1, extra=2)], "edges": []}, "does not accept extra"),
        ({"steps": [{"id": "a", "kind": "executable", "argv": "ls -l"}], "edges": []}, "argv must be a non-empty list"),
        ({"steps": [fn("a", "echo", x="{{ params.ghost }}")], "edges": []}, "undeclared parameter 'ghost'"),
        (
            {"steps": [fn("a"), fn("b", "echo", x="{{ steps.a.result }}")], "edges": []},
            "refers to 'a', not an upstream step",
        ),
    ],
    ids=[
        "cycle",
        "unknown-edge-step",
        "duplicate-id",
        "kind",
        "function",
        "backend",
        "kwargs",
        "argv",
        "param",
        "not-ancestor",
    ],
)
def test_invalid_definitions_are_refused_with_the_fault_named_and_nothing_saved(alice_api, graph, expected):
    answer = post(alice_api, {"name": "bad", "graph": graph})
    assert answer.status_code == 400
    messages = [f["message"] for f in answer.json()["graph"]]
    assert any(expected in m for m in messages), messages
    assert Campaign.objects.count() == 0 and CampaignVersion.objects.count() == 0


def test_cycle_error_lists_the_steps_on_it(alice_api):
    graph = {
        "steps": [fn("a"), fn("b"), fn("c")],
        "edges": [{"source": "a", "target": "b"}, {"source": "b", "target": "c"}, {"source": "c", "target": "b"}],
    }
    fault = post(alice_api, {"name": "x", "graph": graph}).json()["graph"][0]
    assert set(fault["path"]) == {"b", "c"}


def test_faults_name_the_step_for_the_editor(alice_api):
    answer = post(alice_api, {"name": "x", "graph": {"steps": [fn("good"), {"id": "bad", "kind": "?"}], "edges": []}})
    assert answer.json()["graph"][0]["step"] == "bad"


def test_missing_name_is_a_field_error(alice_api):
    answer = post(alice_api, {"graph": {"steps": [fn("a")], "edges": []}})
    assert answer.status_code == 400 and "name" in answer.json()


def test_bad_parameter_declarations_are_refused(alice_api):
    answer = post(
        alice_api,
        {
            "name": "x",
            "parameters": [{"name": "n", "type": "integer", "default": "x"}],
            "graph": {"steps": [fn("a")], "edges": []},
        },
    )
    assert answer.status_code == 400
    assert answer.json()["parameters"][0]["message"] == "parameter 'n': default must be an integer"


def test_changing_the_graph_creates_a_new_immutable_version(alice_api):
    created = post(alice_api, seed_definition()).json()
    url = f"/api/campaigns/{created['id']}/"
    graph = created["graph"]
    graph["steps"][0]["kwargs"]["seconds"] = 1.5
    updated = alice_api.put(
        url, {"name": "Renamed", "graph": graph, "parameters": created["parameters"]}, format="json"
    )
    assert updated.status_code == 200 and updated.json()["version"] == 2
    v1, v2 = CampaignVersion.objects.filter(campaign_id=created["id"]).order_by("number")
    assert v1.graph["steps"][0]["kwargs"]["seconds"] == 0.5
    assert v2.graph["steps"][0]["kwargs"]["seconds"] == 1.5
    renamed_only = alice_api.patch(url, {"description": "new words"}, format="json")
    assert renamed_only.json()["version"] == 2 and renamed_only.json()["description"] == "new words"


def test_an_invalid_update_keeps_the_old_version(alice_api):
    created = post(alice_api, seed_definition()).json()
    answer = alice_api.patch(f"/api/campaigns/{created['id']}/", {"graph": {"steps": [], "edges": []}}, format="json")
    assert answer.status_code == 400
    again = alice_api.get(f"/api/campaigns/{created['id']}/").json()
    assert again["version"] == 1 and len(again["graph"]["steps"]) == 4


def test_only_the_owner_changes_or_deletes_a_public_campaign(alice_api, bob_api):
    created = post(alice_api, seed_definition() | {"visibility": "public"}).json()
    url = f"/api/campaigns/{created['id']}/"
    assert bob_api.get(url).status_code == 200
    assert bob_api.patch(url, {"name": "mine"}, format="json").status_code == 403
    assert bob_api.delete(url).status_code == 403
    assert alice_api.delete(url).status_code == 204
    assert alice_api.get(url).status_code == 404


def test_functions_endpoint_lists_builtins_with_kwargs_schema(alice_api):
    functions = {f["name"]: f for f in alice_api.get("/api/functions/").json()}
    assert {"sleep", "echo", "noop", "fail"} <= set(functions)
    assert functions["sleep"]["schema"]["properties"]["seconds"] == {"type": "number"}
    assert functions["sleep"]["schema"]["required"] == ["seconds"]
    assert functions["fail"]["schema"]["properties"]["times"]["type"] == ["integer", "null"]
    assert "context" not in functions["fail"]["schema"]["properties"]
    assert functions["echo"]["schema"]["additionalProperties"] is True
    assert functions["sleep"]["description"]


def test_extra_functions_register_through_the_setting(alice_api, settings):
    from campaigns_app.step_functions.registry import _cached_registry

    settings.STUDIO_STEP_FUNCTIONS = ["tests.api.sample_functions.add"]
    _cached_registry.cache_clear()
    try:
        names = [f["name"] for f in alice_api.get("/api/functions/").json()]
        assert "add" in names
        graph = {"steps": [fn("a", "add", x=1, y=2)], "edges": []}
        assert post(alice_api, {"name": "adds", "graph": graph}).status_code == 201
    finally:
        _cached_registry.cache_clear()


def test_openapi_schema_and_docs_are_served(alice_api):
    schema = alice_api.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/campaigns/{id}/runs/" in schema.content
    assert alice_api.get("/api/docs/").status_code == 200


def test_swagger_ui_comes_from_this_server_not_a_cdn(alice_api, client):
    import re

    page = alice_api.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    # Same-origin paths only: the bundles from /static/, the page's own script from /api/docs/ (for the CSP).
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    assert "cdn.jsdelivr" not in page and "unpkg" not in page
    for asset in assets:
        assert alice_api.get(asset).status_code == 200, asset


def test_listing_campaigns_costs_the_same_few_queries_however_many_there_are(
    alice, alice_api, django_assert_max_num_queries
):
    from campaigns_app.services import campaign_create, campaign_update

    for n in range(12):
        campaign = campaign_create(owner=alice, **seed_definition(name=f"c{n}"))
        if n % 2:
            # A second version: the list must show the current one, not the first.
            definition = seed_definition(name=f"c{n}")
            definition["graph"]["steps"][0]["name"] = "renamed"
            campaign_update(campaign=campaign, user=alice, **definition)
    with django_assert_max_num_queries(8):
        listed = alice_api.get("/api/campaigns/?page_size=50").json()["results"]
    assert len(listed) == 12
    for item in listed:
        first = item["graph"]["steps"][0]["name"]
        assert (item["version"], first) == ((2, "renamed") if int(item["name"][1:]) % 2 else (1, "Step 1"))
