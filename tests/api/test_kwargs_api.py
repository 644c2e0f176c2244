"""A function step's kwargs are checked against the function's JSON schema before anything is saved."""

import pytest

from campaigns_app.models import Campaign, CampaignVersion
from campaigns_app.step_functions.registry import _cached_registry

pytestmark = pytest.mark.django_db

GOOD = {"count": 2, "ratio": 0.5, "flag": True, "label": "x", "items": [1], "options": {"a": 1}, "limit": None}


@pytest.fixture
def typed_function(settings):
    settings.STUDIO_STEP_FUNCTIONS = ["tests.api.sample_functions.typed"]
    _cached_registry.cache_clear()
    yield
    _cached_registry.cache_clear()


def create(api, kwargs, function="typed"):
    graph = {"steps": [{"id": "s1", "kind": "function", "function": function, "kwargs": kwargs}], "edges": []}
    return api.post("/api/campaigns/", {"name": "typed", "graph": graph}, format="json")


def test_the_issue_example_names_step_argument_and_value(alice_api):
    answer = create(alice_api, {"seconds": "abc"}, function="sleep")
    assert answer.status_code == 400
    assert [f["message"] for f in answer.json()["graph"]] == [
        """step 's1': argument 'seconds' must be a number, got "abc\""""
    ]
    assert answer.json()["graph"][0]["step"] == "s1"
    assert Campaign.objects.count() == 0 and CampaignVersion.objects.count() == 0


def test_values_of_every_type_that_fit_are_saved(alice_api, typed_function):
    answer = create(alice_api, GOOD)
    assert answer.status_code == 201, answer.json()
    assert answer.json()["graph"]["steps"][0]["kwargs"] == GOOD
    assert create(alice_api, GOOD | {"limit": 3, "ratio": 2}).status_code == 201


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("count", 1.5, "argument 'count' must be an integer, got 1.5"),
        ("count", "2", """argument 'count' must be an integer, got "2\""""),
        ("count", True, "argument 'count' must be an integer, got true"),
        ("ratio", "0.5", """argument 'ratio' must be a number, got "0.5\""""),
        ("ratio", False, "argument 'ratio' must be a number, got false"),
        ("flag", "true", """argument 'flag' must be true or false, got "true\""""),
        ("flag", 1, "argument 'flag' must be true or false, got 1"),
        ("label", 7, "argument 'label' must be a string, got 7"),
        ("items", {"a": 1}, """argument 'items' must be a list, got {"a": 1}"""),
        ("options", [1], "argument 'options' must be an object, got [1]"),
        ("limit", "none", """argument 'limit' must be an integer or null, got "none\""""),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_step_and_argument(
    alice_api, typed_function, name, value, expected
):
    answer = create(alice_api, GOOD | {name: value})
    assert answer.status_code == 400
    assert [f["message"] for f in answer.json()["graph"]] == [f"step 's1': {expected}"]
    assert Campaign.objects.count() == 0


def test_missing_and_unknown_arguments_are_named(alice_api, typed_function):
    kwargs = dict(GOOD, colour="red")
    del kwargs["label"]
    messages = [f["message"] for f in create(alice_api, kwargs).json()["graph"]]
    assert messages == ["step 's1': function 'typed' does not accept colour", "step 's1': function 'typed' needs label"]


def test_a_placeholder_stands_in_for_any_type_until_the_run_renders_it(alice_api, typed_function):
    graph = {
        "steps": [{"id": "s1", "kind": "function", "function": "typed", "kwargs": GOOD | {"count": "{{ params.n }}"}}],
        "edges": [],
    }
    answer = alice_api.post(
        "/api/campaigns/",
        {"name": "typed", "parameters": [{"name": "n", "type": "string"}], "graph": graph},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    embedded = create(alice_api, GOOD | {"count": "n={{ params.n }}"})
    assert embedded.status_code == 400


def test_a_step_name_cleared_to_blank_is_refused_but_an_absent_one_defaults_to_the_id(alice_api):
    graph = {"steps": [{"id": "s1", "name": "  ", "kind": "function", "function": "noop"}], "edges": []}
    answer = alice_api.post("/api/campaigns/", {"name": "x", "graph": graph}, format="json")
    assert answer.status_code == 400
    assert answer.json()["graph"] == [{"message": "step 's1': name may not be blank", "step": "s1"}]
    del graph["steps"][0]["name"]
    saved = alice_api.post("/api/campaigns/", {"name": "x", "graph": graph}, format="json")
    assert saved.json()["graph"]["steps"][0]["name"] == "s1"
