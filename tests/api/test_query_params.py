"""Query parameters: the schema lists each list view's filters, and a bad value answers 400 naming it."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


def query_parameters(path: str, method: str = "get") -> dict[str, dict]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {p["name"]: p for p in schema["paths"][path][method]["parameters"] if p["in"] == "query"}


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/api/campaigns/", {"search", "team", "owner", "visibility", "tag", "sort", "page"}),
        ("/api/runs/", {"state", "campaign", "owner", "page"}),
        ("/api/audit/", {"team", "campaign", "actor", "action", "since", "until", "page"}),
        ("/api/dashboard/", {"minutes", "limit", "campaign", "state", "owner", "ids"}),
        ("/api/campaigns/{id}/diff/", {"from", "to"}),
        ("/api/campaigns/{id}/export/{kind}/", {"version"}),
    ],
)
def test_the_schema_lists_every_filter_of_each_view(path, expected):
    assert expected <= set(query_parameters(path))


def test_the_schema_gives_filters_their_types_and_choices():
    campaigns = query_parameters("/api/campaigns/")
    # An id or empty (no filter), a choice or empty, as the list views read them.
    assert [option["type"] for option in campaigns["team"]["schema"]["anyOf"]] == ["integer", "string"]
    assert sorted(campaigns["visibility"]["schema"]["enum"]) == ["", "private", "public", "team"]
    assert sorted(campaigns["sort"]["schema"]["enum"]) == ["", "created", "name", "recent", "updated"]
    assert query_parameters("/api/dashboard/")["minutes"]["schema"]["maximum"] == 7 * 24 * 60


@pytest.mark.parametrize(
    "url, field, words",
    [
        ("/api/runs/?state=running,exploded", "state", "unknown state(s) exploded"),
        ("/api/runs/?campaign=abc", "campaign", "must be a campaign id"),
        ("/api/campaigns/?sort=size", "sort", "size"),
        ("/api/campaigns/?team=x", "team", "must be a team id"),
        ("/api/campaigns/?visibility=secret", "visibility", "secret"),
        ("/api/audit/?action=campaign.explode", "action", "unknown action(s) campaign.explode"),
        ("/api/audit/?since=yesterday", "since", "must be a date"),
        ("/api/dashboard/?minutes=0", "minutes", "must be a whole number from 1"),
        ("/api/dashboard/?ids=1,x", "ids", "must be a whole number from 1"),
        ("/api/dashboard/?state=lost", "state", "lost"),
    ],
)
def test_a_bad_query_value_answers_400_naming_the_parameter(alice_api, url, field, words):
    answer = alice_api.get(url)
    assert answer.status_code == 400
    assert words in str(answer.json()[field])


def test_filters_narrow_the_lists(alice_api, seed_campaign):
    launched = alice_api.post(f"/api/campaigns/{seed_campaign.pk}/runs/", {}, format="json")
    assert launched.status_code == 201
    assert alice_api.get("/api/runs/?state=queued,running").json()["count"] == 1
    assert alice_api.get("/api/runs/?state=succeeded").json()["count"] == 0
    assert alice_api.get(f"/api/runs/?campaign={seed_campaign.pk}&owner=alice").json()["count"] == 1
    assert alice_api.get("/api/runs/?owner=bob").json()["count"] == 0
    assert alice_api.get("/api/audit/?action=run").json()["count"] >= 1
    assert [c["name"] for c in alice_api.get("/api/campaigns/?search=SEED&sort=name").json()["results"]] == [
        seed_campaign.name
    ]


def test_the_schema_states_the_paging_bounds_and_comma_separated_lists():
    runs = query_parameters("/api/runs/")
    assert runs["page"]["schema"]["minimum"] == 1
    assert (runs["page_size"]["schema"]["minimum"], runs["page_size"]["schema"]["maximum"]) == (1, 2000)
    assert set(runs["state"]["schema"]["items"]["enum"]) >= {"queued", "running", "failed"}
    assert (runs["state"]["style"], runs["state"]["explode"]) == ("form", False)
    assert query_parameters("/api/dashboard/")["ids"]["schema"]["maxItems"] >= 1


@pytest.mark.parametrize(
    "url", ["/api/audit/?team=&until=", "/api/runs/?kind=&state=", "/api/campaigns/?visibility=&sort=&team="]
)
def test_an_empty_filter_filters_nothing_as_the_schema_says(alice_api, seed_campaign, url):
    assert alice_api.get(url).status_code == 200


@pytest.mark.parametrize(
    "query, status",
    [("page=0", 400), ("page=x", 400), ("page_size=0", 400), ("page_size=2001", 400), ("page=2", 404)],
)
def test_a_page_out_of_bounds_is_refused_naming_it(alice_api, seed_campaign, query, status):
    answer = alice_api.get(f"/api/campaigns/?{query}")
    assert answer.status_code == status
    assert set(answer.json()) == {query.split("=")[0]}


def test_a_bulk_body_names_its_runs_one_way_and_not_an_empty_list(alice_api):
    body = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]["BulkRunsRequest"]
    assert body["properties"]["ids"]["minItems"] == 1
    assert body["oneOf"] == [{"required": ["ids"]}, {"required": ["batch"]}]
    for sent in ({"ids": []}, {}, {"ids": [1], "batch": 1}):
        answer = alice_api.post("/api/runs/cancel/", sent, format="json")
        assert answer.status_code == 400
        assert "ids" in answer.json()
