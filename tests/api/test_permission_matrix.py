"""Who may do what: every endpoint, for the owner, a teammate in each role and an outsider, on private,
team and public campaigns.

Alice owns the campaign and administers team Lab; bob is in Lab with the role under test; charlie is in
no team.  A user who may not see a thing gets 404, never 403.

Adding an endpoint is one line in ENDPOINTS: its capability letter says who may use it.
"""

from __future__ import annotations

import pytest

from campaigns_app import selectors
from campaigns_app.models import Campaign, Run
from campaigns_app.services import batch_launch, campaign_create, campaign_update, run_launch
from tests.conftest import client_for, make_user, seed_definition, team_with

pytestmark = pytest.mark.django_db

ACTORS = ("owner", "viewer", "operator", "editor", "admin", "outsider")
VISIBILITIES = ("private", "team", "public")

# V view, L launch, E edit, M manage (share, delete), F fork, O operate someone else's run (cancel, retry).
EXPECTED = {
    "private": {"owner": "VLEMFO", "viewer": "", "operator": "", "editor": "", "admin": "", "outsider": ""},
    "team": {
        "owner": "VLEMFO",
        "viewer": "VF",
        "operator": "VLFO",
        "editor": "VLEFO",
        "admin": "VLEMFO",
        "outsider": "",
    },
    "public": {
        "owner": "VLEMFO",
        "viewer": "VLF",
        "operator": "VLFO",
        "editor": "VLEFO",
        "admin": "VLEMFO",
        "outsider": "VLF",
    },
}

OTHER_VISIBILITY = {"private": "public", "team": "public", "public": "team"}

# (name, method, path, body, capability, status when allowed).  {campaign}, {run}, {batch} and
# {other_visibility} are filled in; "LIST" checks presence in a list instead of a status.
ENDPOINTS = [
    ("campaign list", "LIST", "/api/campaigns/?page_size=100", None, "V", None),
    ("library search", "LIST", "/api/campaigns/?search=Seed&sort=recent", None, "V", None),
    ("campaign detail", "GET", "/api/campaigns/{campaign}/", None, "V", 200),
    ("versions", "GET", "/api/campaigns/{campaign}/versions/", None, "V", 200),
    ("version", "GET", "/api/campaigns/{campaign}/versions/1/", None, "V", 200),
    ("diff", "GET", "/api/campaigns/{campaign}/diff/?from=1&to=2", None, "V", 200),
    ("lineage", "GET", "/api/campaigns/{campaign}/lineage/", None, "V", 200),
    ("export json", "GET", "/api/campaigns/{campaign}/export/json/", None, "V", 200),
    ("export yaml", "GET", "/api/campaigns/{campaign}/export/yaml/", None, "V", 200),
    ("export asyncflow", "GET", "/api/campaigns/{campaign}/export/asyncflow/", None, "V", 200),
    ("fork", "POST", "/api/campaigns/{campaign}/fork/", {}, "F", 201),
    ("launch", "POST", "/api/campaigns/{campaign}/runs/", {"parameters": {"name": "X"}}, "L", 201),
    ("launch batch", "POST", "/api/campaigns/{campaign}/runs/", {"instances": [{"parameters": {}}]}, "L", 201),
    ("rename", "PATCH", "/api/campaigns/{campaign}/", {"name": "Renamed"}, "E", 200),
    ("edit definition", "PATCH", "/api/campaigns/{campaign}/", {"parameters": [], "base_version": 2}, "E", 200),
    ("restore", "POST", "/api/campaigns/{campaign}/versions/1/restore/", {}, "E", 201),
    ("share", "PATCH", "/api/campaigns/{campaign}/", {"visibility": "{other_visibility}"}, "M", 200),
    # The campaign's runs are still queued: an allowed delete is refused for them (409), a forbidden one for the user.
    ("delete", "DELETE", "/api/campaigns/{campaign}/", None, "M", 409),
    ("run list", "LIST", "/api/runs/?page_size=100", None, "V", None),
    ("run detail", "GET", "/api/runs/{run}/", None, "V", 200),
    ("run events", "GET", "/api/runs/{run}/events/?after=0", None, "V", 200),
    ("batch", "GET", "/api/batches/{batch}/", None, "V", 200),
    ("run cancel", "POST", "/api/runs/{run}/cancel/", {}, "O", 200),
    # The run is still queued: an allowed retry is refused for its state (409), a forbidden one for the user.
    ("run retry", "POST", "/api/runs/{run}/retry/", {}, "O", 409),
    ("step log", "GET", "/api/runs/{run}/steps/s1/log", None, "V", 200),
]


def build_world(visibility: str, actor: str) -> dict:
    """Alice's campaign (2 versions) in team Lab with the given visibility, a run and a batch of hers."""
    alice, bob, charlie = make_user("alice"), make_user("bob"), make_user("charlie")
    lab = team_with("Lab", alice="admin", **({"bob": actor} if actor not in ("owner", "outsider") else {}))
    campaign = campaign_create(owner=alice, team=lab, visibility=visibility, **seed_definition(step_seconds=0.01))
    definition = seed_definition(step_seconds=0.01)
    campaign = campaign_update(
        campaign=campaign, user=alice, parameters=definition["parameters"] + [{"name": "extra", "type": "integer"}]
    )
    run = run_launch(campaign=campaign, user=alice, parameters={"name": "A"})
    batch, _ = batch_launch(campaign=campaign, user=alice, instances=[{"parameters": {}}])
    user = {"owner": alice, "outsider": charlie}.get(actor, bob)
    return {"user": user, "campaign": campaign, "run": run, "batch": batch}


def cells():
    return list(_cells())


def _cells():
    for visibility in VISIBILITIES:
        for actor in ACTORS:
            for endpoint in ENDPOINTS:
                yield pytest.param(visibility, actor, endpoint, id=f"{visibility}-{actor}-{endpoint[0]}")


def fill(value, world, visibility):
    if isinstance(value, str):
        return value.format(
            campaign=world["campaign"].pk,
            run=world["run"].pk,
            batch=world["batch"].pk,
            other_visibility=OTHER_VISIBILITY[visibility],
        )
    if isinstance(value, dict):
        return {k: fill(v, world, visibility) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, world, visibility) for v in value]
    return value


@pytest.mark.parametrize(("visibility", "actor", "endpoint"), cells())
def test_permission_matrix(visibility, actor, endpoint):
    name, method, path, body, capability, ok_status = endpoint
    world = build_world(visibility, actor)
    api = client_for(world["user"])
    allowed = EXPECTED[visibility][actor]
    url = fill(path, world, visibility)
    if method == "LIST":
        answer = api.get(url)
        assert answer.status_code == 200
        listed = {item["id"] for item in answer.json()["results"]}
        target = world["run"].pk if url.startswith("/api/runs/") else world["campaign"].pk
        assert (target in listed) == ("V" in allowed), (name, visibility, actor)
        return
    answer = getattr(api, method.lower())(url, fill(body, world, visibility), format="json")
    if "V" not in allowed:
        expected = 404
    elif capability in allowed:
        expected = ok_status
    else:
        expected = 403
    assert answer.status_code == expected, (name, visibility, actor, answer.content[:300])
    if expected == 403:
        assert answer.json()["detail"], "a 403 says why"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_operating_someone_elses_run_needs_the_operator_role(visibility, actor):
    """The rule issue 3's cancel and retry use (selectors.run_operable_by), asserted per cell."""
    world = build_world(visibility, actor)
    assert selectors.run_operable_by(world["user"], world["run"]) == ("O" in EXPECTED[visibility][actor])
    # Everyone may operate the runs they launched themselves, wherever they may launch.
    if "L" in EXPECTED[visibility][actor]:
        own = run_launch(campaign=world["campaign"], user=world["user"], parameters={})
        assert selectors.run_operable_by(world["user"], own)


def test_an_outsiders_own_run_of_a_public_campaign_stays_visible_to_them_after_it_turns_private():
    world = build_world("public", "outsider")
    charlie, campaign = world["user"], world["campaign"]
    own = run_launch(campaign=campaign, user=charlie, parameters={})
    Campaign.objects.filter(pk=campaign.pk).update(visibility="private")
    api = client_for(charlie)
    assert api.get(f"/api/runs/{own.pk}/").status_code == 200
    assert api.get(f"/api/runs/{world['run'].pk}/").status_code == 404
    assert api.get(f"/api/campaigns/{campaign.pk}/").status_code == 404
    assert Run.objects.filter(pk=own.pk).exists()


def test_retrying_a_run_with_executable_steps_needs_the_executable_role():
    from campaigns_app.services import ActionForbidden, run_operate_check

    alice, bob = make_user("alice"), make_user("bob")
    lab = team_with("Lab", may_run_executables=True, alice="admin", bob="operator")
    graph = {"steps": [{"id": "x", "kind": "executable", "argv": ["true"]}], "edges": []}
    campaign = campaign_create(owner=alice, name="cmd", graph=graph, team=lab, visibility="team")
    run = run_launch(campaign=campaign, user=alice, parameters={})
    run_operate_check(run=run, user=bob, verb="cancel")
    with pytest.raises(ActionForbidden, match="lets only editors and admins retry"):
        run_operate_check(run=run, user=bob, verb="retry")
    run_operate_check(run=run, user=alice, verb="retry")
    with pytest.raises(ActionForbidden, match="not cancel"):
        run_operate_check(run=run, user=make_user("charlie"), verb="cancel")


# --- the self-made team: issue 10 ----------------------------------------------------------------
# Charlie, in no team, makes one (and is its admin).  That gives no right to executable steps anywhere:
# each way to get an executable step run is refused with what to do, and nothing is saved or started.

EXECUTABLE_GRAPH = {"steps": [{"id": "x", "kind": "executable", "argv": ["cat", "var/secret_key"]}], "edges": []}
SELF_MADE_TEAM_CASES = [
    ("save outside a team", "POST", "/api/campaigns/", {"name": "c", "graph": EXECUTABLE_GRAPH}),
    (
        "save into the own team",
        "POST",
        "/api/campaigns/",
        {"name": "c", "graph": EXECUTABLE_GRAPH, "team": "{team}", "visibility": "team"},
    ),
    ("import", "POST", "/api/campaigns/import/", {"document": {"name": "c", "graph": EXECUTABLE_GRAPH}}),
    (
        "import into the own team",
        "POST",
        "/api/campaigns/import/",
        {"document": {"name": "c", "graph": EXECUTABLE_GRAPH}, "team": "{team}", "visibility": "team"},
    ),
    ("fork a public one", "POST", "/api/campaigns/{public}/fork/", {}),
    ("fork a public one into the own team", "POST", "/api/campaigns/{public}/fork/", {"team": "{team}"}),
    ("launch a public one", "POST", "/api/campaigns/{public}/runs/", {}),
    ("add a step to the own campaign", "PATCH", "/api/campaigns/{own}/", {"graph": EXECUTABLE_GRAPH}),
]


@pytest.mark.parametrize(
    ("name", "method", "path", "body"), SELF_MADE_TEAM_CASES, ids=[case[0] for case in SELF_MADE_TEAM_CASES]
)
def test_a_self_made_team_gives_no_right_to_executable_steps(name, method, path, body):
    from campaigns_app.models import UserCapabilities

    alice, charlie = make_user("alice"), make_user("charlie")
    UserCapabilities.objects.create(user=alice, may_run_executables=True)
    public = campaign_create(owner=alice, name="pub", graph=EXECUTABLE_GRAPH, visibility="public")
    api = client_for(charlie)
    team = api.post("/api/teams/", {"name": "mine"}, format="json").json()
    assert team["role"] == "admin"
    own = api.post("/api/campaigns/", {"name": "own", **seed_definition()}, format="json").json()
    counts = (Campaign.objects.count(), Run.objects.count(), own["version"])
    ids = {"team": team["id"], "public": public.pk, "own": own["id"]}

    answer = getattr(api, method.lower())(path.format(**ids), _ids_in(body, ids), format="json")
    assert answer.status_code == 403, (name, answer.content[:300])
    assert "ask a site admin" in answer.json()["detail"]
    after = (Campaign.objects.count(), Run.objects.count(), Campaign.objects.get(pk=own["id"]).version)
    assert after == counts


def _ids_in(value, ids):
    if isinstance(value, str) and value.startswith("{"):
        return ids[value.strip("{}")]
    if isinstance(value, dict):
        return {k: _ids_in(v, ids) for k, v in value.items()}
    return value
