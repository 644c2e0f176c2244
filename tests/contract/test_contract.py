"""The contract between server and browser: the committed schema and TypeScript types match the code, the
events the engine stores match their published message types, and the dashboard feed matches its type."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator

from campaigns_app import selectors
from campaigns_app.api.schema import EVENT_MESSAGE_COMPONENT
from campaigns_app.models import Run, RunEvent, StepRun
from campaigns_app.services import campaign_create, run_launch, run_retry, step_run_execute
from campaigns_app.services.backend_states import step_run_backend_state
from tests.conftest import client_for

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
SCHEMA_FILE = FRONTEND / "openapi.json"
TYPES_FILE = FRONTEND / "src" / "lib" / "generated" / "api.ts"
REGENERATE = "run `cd frontend && npm run api:types` and commit the result"


def drain(run) -> None:
    for _ in range(50):
        queued = list(StepRun.objects.filter(run=run, state="queued").values_list("pk", flat=True))
        if not queued:
            return
        for step_run_id in queued:
            step_run_execute(step_run_id=step_run_id)


def current_schema() -> dict:
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))


def test_the_committed_openapi_schema_is_the_one_the_code_publishes():
    committed = json.loads(SCHEMA_FILE.read_text())
    assert committed == current_schema(), f"frontend/openapi.json is stale: {REGENERATE}"


def test_the_committed_typescript_types_are_generated_from_the_committed_schema(tmp_path):
    tool = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"
    if not tool.exists():
        pytest.fail("frontend/node_modules is missing: run `cd frontend && npm ci` (make test does)")
    out = tmp_path / "api.ts"
    # The generator's options are the ones `npm run api:types` passes, read from package.json, so they live there only.
    script = json.loads((FRONTEND / "package.json").read_text())["scripts"]["api:types"]
    program, *arguments = shlex.split(script.rsplit("&&", 1)[1])
    assert program == "openapi-typescript", f"api:types no longer ends with openapi-typescript: {script}"
    arguments[arguments.index("--output") + 1] = str(out)
    subprocess.run([str(tool), *arguments], cwd=FRONTEND, check=True, capture_output=True, timeout=120)
    assert out.read_text() == TYPES_FILE.read_text(), f"src/lib/generated/api.ts is stale: {REGENERATE}"


def test_the_schema_publishes_a_message_type_per_event_type():
    schemas = current_schema()["components"]["schemas"]
    mapping = schemas[EVENT_MESSAGE_COMPONENT]["discriminator"]["mapping"]
    assert set(mapping) == {"run.state", "run.error", "step.state", "step.log", "step.backend", "step.item"}
    assert schemas["StepLogData"]["required"] == ["attempt", "lines", "prefix", "stream"]


def _json_schema(node):
    """OpenAPI 3.0's ``nullable`` as JSON Schema's null type, for jsonschema."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _json_schema(v) for k, v in node.items() if k != "discriminator"}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def schema_validator(component: str, closed: tuple[str, ...] = ()) -> jsonschema.Draft202012Validator:
    """A validator for one published component; those in ``closed`` take no field the type lacks."""
    components = _json_schema(current_schema()["components"]["schemas"])
    for name in closed:
        components[name] = {**components[name], "additionalProperties": False}
    root = {"$ref": f"#/components/schemas/{component}", "components": {"schemas": components}}
    return jsonschema.Draft202012Validator(root)


def message_validator() -> jsonschema.Draft202012Validator:
    return schema_validator(EVENT_MESSAGE_COMPONENT)


def item_validator() -> jsonschema.Draft202012Validator:
    """The published step.item type, closed: a field the server sends but the type lacks fails as well."""
    return schema_validator("StepItemEvent", closed=("StepItemEvent", "StepItemData"))


def feed_validator() -> jsonschema.Draft202012Validator:
    """The published feed type, closed: a field the server sends but the type lacks fails as well."""
    return schema_validator("DashboardFeed", closed=("DashboardFeed", "DashboardFeedRun"))


CHATTY = "tests.contract.step_functions.chatty"


@pytest.mark.django_db(transaction=True)
def test_every_event_of_a_run_with_logs_retries_and_failures_matches_its_message_type(alice, settings):
    settings.STUDIO_STEP_FUNCTIONS = [CHATTY]
    graph = {
        "steps": [
            {"id": "a", "kind": "function", "function": "chatty", "kwargs": {"lines": ["out", "more"]}},
            {"id": "b", "kind": "function", "function": "fail", "kwargs": {"times": 1}, "retries": 1},
            {"id": "c", "kind": "function", "function": "fail", "kwargs": {}},
            {"id": "d", "kind": "function", "function": "noop", "kwargs": {}},
        ],
        "edges": [{"source": "a", "target": "b"}, {"source": "a", "target": "c"}, {"source": "c", "target": "d"}],
    }
    campaign = campaign_create(owner=alice, name="contract", parameters=[], graph=graph)
    run = run_launch(campaign=campaign, user=alice, parameters={})
    drain(run)
    messages = [event.as_message() for event in RunEvent.objects.filter(run=run).order_by("seq")]
    assert {m["type"] for m in messages} == {"run.state", "step.state", "step.log"}
    states = {(m["step"], m["state"]) for m in messages if m["type"] == "step.state"}
    assert {("b", "failed"), ("b", "succeeded"), ("c", "failed"), ("d", "skipped")} <= states
    validator = message_validator()
    for message in messages:
        errors = [e.message for e in validator.iter_errors(message)]
        assert not errors, f"{message} does not match its message type: {errors}"


def _item_messages(run_ids) -> list[dict]:
    events = RunEvent.objects.filter(run_id__in=run_ids, type="step.item").order_by("run_id", "seq")
    return [event.as_message() for event in events]


@pytest.mark.django_db(transaction=True)
def test_every_step_item_event_of_for_each_runs_and_an_ensemble_matches_its_message_type(alice):
    # fail(times=N) fails while the attempt is at most N: item 0 never fails, item 2 on both of its attempts.
    items = {
        "id": "each",
        "kind": "function",
        "function": "fail",
        "for_each": [0, 1, 2],
        "retries": 1,
        "kwargs": {"message": "item {{ index }}", "times": "{{ item }}"},
    }
    refused = {
        "id": "refused",
        "kind": "function",
        "function": "echo",
        "for_each": [{}],
        "kwargs": {"x": "{{ item.y }}"},
    }
    campaign = campaign_create(owner=alice, name="items", parameters=[], graph={"steps": [items, refused], "edges": []})
    run = run_launch(campaign=campaign, user=alice, parameters={})
    drain(run)
    run_retry(run_id=run.pk)
    drain(run)
    child = campaign_create(owner=alice, name="child", parameters=[], graph={"steps": [items], "edges": []})
    ensemble = campaign_create(
        owner=alice,
        name="ensemble",
        parameters=[],
        graph={"steps": [{"id": "ens", "kind": "workflow", "campaign": child.pk, "for_each": ["p", "q"]}], "edges": []},
    )
    parent = run_launch(campaign=ensemble, user=alice, parameters={})
    for _ in range(10):
        for r in Run.objects.filter(parent=parent):
            drain(r)
        drain(parent)
    messages = _item_messages([run.pk, parent.pk])
    seen = {(m["step"], m["state"]) for m in messages}
    assert {("each", "running"), ("each", "succeeded"), ("each", "failed"), ("refused", "failed")} <= seen
    assert {("ens", "running"), ("ens", "failed")} <= seen
    assert any(m["data"].get("will_retry") for m in messages)
    assert any("child_run" in m["data"] for m in messages)
    validator = item_validator()
    for message in messages:
        errors = [e.message for e in validator.iter_errors(message)]
        assert not errors, f"{message} does not match StepItemEvent: {errors}"
    whole = message_validator()
    assert all(whole.is_valid(m) for m in messages)


def run_message(type_: str, *, step: str, state: str, data: dict) -> dict:
    """A message of run 1 as the websocket sends it."""
    return {"seq": 3, "run": 1, "at": "2026-01-01T00:00:00Z", "type": type_, "step": step, "state": state, "data": data}


def test_a_step_item_that_differs_from_its_type_is_refused():
    validator = item_validator()
    good = run_message("step.item", step="each", state="running", data={"index": 0, "attempt": 1})
    assert validator.is_valid(good)
    assert message_validator().is_valid(good)
    assert not validator.is_valid({**good, "data": {"attempt": 1}})
    assert not validator.is_valid({**good, "data": {"index": "0", "attempt": 1}})
    assert not validator.is_valid({**good, "data": {"index": 0, "item": 0}})
    assert not validator.is_valid({**good, "state": "exploded"})
    assert not validator.is_valid({**good, "progress": "1/3"})


def test_a_message_with_a_wrong_field_is_refused():
    validator = message_validator()
    good = run_message(
        "step.log", step="a", state="", data={"attempt": 1, "stream": "stdout", "lines": ["x"], "prefix": ""}
    )
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "data": {"attempt": 1, "stream": "stdout"}})
    assert not validator.is_valid({**good, "type": "step.state", "state": "exploded", "data": {}})


@pytest.mark.django_db(transaction=True)
def test_the_live_log_reads_line_for_line_as_the_stored_log(alice, settings):
    settings.STUDIO_STEP_FUNCTIONS = [CHATTY]
    graph = {
        "steps": [
            {"id": "a", "kind": "function", "function": "chatty", "kwargs": {"lines": ["one", "two"]}},
            {"id": "b", "kind": "function", "function": "noop", "kwargs": {}},
        ],
        "edges": [{"source": "a", "target": "b"}],
    }
    campaign = campaign_create(owner=alice, name="log contract", parameters=[], graph=graph)
    run = run_launch(campaign=campaign, user=alice, parameters={})
    drain(run)
    live: list[str] = []
    for message in (e.as_message() for e in RunEvent.objects.filter(run=run, type="step.log").order_by("seq")):
        data = message["data"]
        live.extend([data["header"]] if "header" in data else [])
        live.extend(data["prefix"] + line for line in data["lines"])
    stored = selectors.step_log_text(run.pk, "a").splitlines()
    assert live == stored
    assert stored[0] == "=== attempt 1 ===" and "[log] WARNING tests.contract.step_functions: two" in stored


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "backend, backend_state, phase",
    [
        ("radical", "AGENT_SCHEDULING", "waiting"),
        ("radical", "AGENT_EXECUTING", "executing"),
        ("radical", "AGENT_STAGING_OUTPUT", "done"),
        ("radical", "CANCELED", "waiting"),
        ("dask", "EXECUTING", "executing"),
        ("dask", "DONE", "done"),
    ],
)
def test_a_backend_state_event_says_what_the_state_means_for_the_timeline(
    alice, seed_campaign, backend, backend_state, phase
):
    run = run_launch(campaign=seed_campaign, user=alice, parameters={"name": "Contract"})
    step_run = StepRun.objects.filter(run=run).order_by("order").first()
    StepRun.objects.filter(pk=step_run.pk).update(state="running", attempts=1, backend=backend)
    assert step_run_backend_state(
        step_run_id=step_run.pk,
        run_id=run.pk,
        attempt=1,
        backend_state=backend_state,
        detail={"at": None, "task": "task.000001"},
    )
    message = RunEvent.objects.filter(run=run, type="step.backend").get().as_message()
    assert message["data"] == {
        "backend_state": backend_state,
        "attempt": 1,
        "backend": backend,
        "phase": phase,
        "task": "task.000001",
    }
    assert message_validator().is_valid(message)


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_feed_served_matches_its_published_type(alice):
    graph = {
        "steps": [
            {"id": "a", "kind": "function", "function": "noop", "kwargs": {}},
            {"id": "b", "kind": "function", "function": "fail", "kwargs": {}},
        ],
        "edges": [{"source": "a", "target": "b"}],
    }
    campaign = campaign_create(owner=alice, name="feed contract", parameters=[], graph=graph)
    finished = run_launch(campaign=campaign, user=alice, parameters={})
    drain(finished)
    run_launch(campaign=campaign, user=alice, parameters={})
    response = client_for(alice).get("/api/dashboard/")
    assert response.status_code == 200
    feed = response.json()
    assert {r["id"] for r in feed["runs"]} >= {finished.pk}
    finished_row = next(r for r in feed["runs"] if r["id"] == finished.pk)
    assert [s[:3] for s in finished_row["steps"]] == [["a", "a", "succeeded"], ["b", "b", "failed"]]
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in feed_validator().iter_errors(feed)]
    assert not errors, f"the dashboard feed does not match event_messages.DashboardFeed: {errors}"


def test_a_feed_that_differs_from_its_type_is_refused():
    validator = feed_validator()
    row = ["a", "A", "running", 1, 1000, 1100, None]
    run = {
        "id": 1,
        "campaign": 1,
        "campaign_name": "c",
        "batch": None,
        "owner": "alice",
        "state": "running",
        "parameters": {},
        "created_at": 1000,
        "started_at": 1000,
        "finished_at": None,
        "last_seq": 3,
        "parent": None,
        "steps": [row],
    }
    good = {"now": 2000, "runs": [run], "counts": {"running": 1}, "truncated": False}
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "runs": [{**run, "steps": [row[:6]]}]})
    assert not validator.is_valid({**good, "runs": [{**run, "steps": [[*row[:2], "exploded", *row[3:]]]}]})
    assert not validator.is_valid({**good, "runs": [{**run, "kind": "test"}]})
    assert not validator.is_valid({**good, "runs": [{k: v for k, v in run.items() if k != "last_seq"}]})
