"""The campaign and import APIs, fed anything: 201, or 400 naming the fault with nothing saved; never a 5xx."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import given, strategies as st

from campaigns_app.models import AuditEntry, Campaign, CampaignVersion
from tests.conftest import client_for, make_user

from .strategies import chains_with_a_cycle, graphs, json_values, parameters, texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_api(db):
    # Staff may save executable steps, so the executable fields are judged on their merits, not refused as a right.
    return client_for(make_user("root", is_staff=True, is_superuser=True))


def stored() -> tuple[int, int, int]:
    return Campaign.objects.count(), CampaignVersion.objects.count(), AuditEntry.objects.count()


def assert_created_or_refused(answer, before):
    assert answer.status_code in (201, 400), (answer.status_code, answer.content[:500])
    body = answer.json()
    if answer.status_code == 400:
        assert stored() == before, "a refused definition left rows behind"
        assert body and all(isinstance(k, str) for k in body), body
        text = json.dumps(body)
        assert len(text) > 20, body
    else:
        assert stored()[0] == before[0] + 1
        assert Campaign.objects.get(pk=body["id"]).name == body["name"]


bodies = st.fixed_dictionaries(
    {"name": st.one_of(st.text(min_size=1, max_size=20), json_values), "graph": graphs},
    optional={
        "parameters": parameters,
        "description": json_values,
        "tags": json_values,
        "visibility": st.sampled_from(["private", "team", "public", "secret", None]),
        "team": st.one_of(st.none(), st.integers(-5, 2**70), texts),
    },
)


@given(body=bodies)
def test_creating_a_campaign_from_any_body(staff_api, body):
    before = stored()
    answer = staff_api.post("/api/campaigns/", json.dumps(body, allow_nan=True), content_type="application/json")
    if answer.status_code == 400 and "NaN" in json.dumps(body, allow_nan=True):
        assert stored() == before
        return
    assert_created_or_refused(answer, before)


@given(graph=chains_with_a_cycle())
def test_a_cycle_is_a_400_naming_it(staff_api, graph):
    before = stored()
    answer = staff_api.post("/api/campaigns/", {"name": "loop", "graph": graph}, format="json")
    assert answer.status_code == 400
    assert any("cycle" in f["message"] or "itself" in f["message"] for f in answer.json()["graph"])
    assert stored() == before


documents = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["asyncflow-studio/campaign", "other"]),
        "name": st.one_of(st.text(max_size=20), json_values),
        "graph": graphs,
    },
    optional={
        "schema": st.sampled_from([1, 2, "1"]),
        "parameters": parameters,
        "tags": json_values,
        "description": json_values,
        "extra": json_values,
    },
)


@given(document=documents, fmt=st.sampled_from(["json", "yaml"]))
def test_importing_any_document(staff_api, document, fmt):
    if fmt == "json":
        text = json.dumps(document, allow_nan=True)
    else:
        text = yaml.safe_dump(document, allow_unicode=True)
    before = stored()
    answer = staff_api.post("/api/campaigns/import/", {"document": text, "format": fmt}, format="json")
    assert_created_or_refused(answer, before)


@given(
    text=st.one_of(
        texts,
        st.sampled_from(
            [
                "a: &x [1, 2]\nb: *x\n",
                "<<: *missing\n",
                "!!python/object:os.system {}\n",
                "[" * 5000,
                "{{{{",
                "name: x\ngraph: !!binary aGVsbG8=\n",
                "name: x\ngraph: !!set {a, b}\n",
                "? [a, b]\n: c\n",
                "\t\x00",
                "kind: asyncflow-studio/campaign\nname: t\ngraph: {steps: [{id: a, kind: function, function: noop, "
                "kwargs: {when: 2020-01-01 10:00:00}}], edges: []}\n",
            ]
        ),
    )
)
def test_importing_hostile_yaml(staff_api, text):
    before = stored()
    answer = staff_api.post("/api/campaigns/import/", {"document": text, "format": "yaml"}, format="json")
    assert_created_or_refused(answer, before)
