"""Campaign files: JSON and YAML round trips through the API and manage.py, and the AsyncFlow script."""

import json
import re
import subprocess
import sys
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from campaigns_app.models import Campaign
from campaigns_app.services import campaign_create
from tests.conftest import seed_definition, team_with

pytestmark = pytest.mark.django_db

RICH = {
    "name": "Rich campaign",
    "description": 'ünïcode, quotes " and\nnewlines',
    "tags": ["a", "b"],
    "parameters": [
        {"name": "n", "type": "integer", "default": 2, "description": "how many"},
        {"name": "mode", "type": "choice", "choices": ["x", "y"], "required": True},
        {"name": "cfg", "type": "json", "default": {"k": [1, 2.5, None, True]}},
    ],
    "graph": {
        "steps": [
            {
                "id": "a",
                "kind": "function",
                "function": "echo",
                "kwargs": {"v": "{{ params.n }}"},
                "position": {"x": 1.5, "y": 0},
                "retries": 2,
                "block": "prep",
            },
            {"id": "b", "kind": "function", "function": "sleep", "kwargs": {"seconds": 0.01}, "timeout_s": 5},
        ],
        "edges": [{"source": "a", "target": "b"}],
        "blocks": [{"id": "prep", "name": "Preparation", "parent": None}],
    },
}


@pytest.fixture
def rich(alice):
    return campaign_create(owner=alice, **RICH)


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_export_then_import_gives_an_identical_definition(alice_api, rich, fmt):
    exported = alice_api.get(f"/api/campaigns/{rich.pk}/export/{fmt}/")
    assert exported.status_code == 200
    assert f'filename="rich-campaign-v1.{fmt}"' in exported["Content-Disposition"]
    text = exported.content.decode()
    parsed = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    assert parsed["kind"] == "asyncflow-studio/campaign" and parsed["name"] == "Rich campaign"

    imported = alice_api.post("/api/campaigns/import/", {"document": text}, format="json")
    assert imported.status_code == 201, imported.json()
    again = alice_api.get(f"/api/campaigns/{imported.json()['id']}/export/{fmt}/").content.decode()
    assert again == text
    original = alice_api.get(f"/api/campaigns/{rich.pk}/").json()
    copy = imported.json()
    for field in ("name", "description", "tags", "parameters", "graph"):
        assert copy[field] == original[field], field


def test_import_accepts_the_document_object_and_a_team(alice_api, alice, rich):
    lab = team_with("Lab", alice="editor")
    document = json.loads(alice_api.get(f"/api/campaigns/{rich.pk}/export/json/").content)
    answer = alice_api.post(
        "/api/campaigns/import/",
        {"document": document, "team": lab.pk, "visibility": "team", "name": "Copy"},
        format="json",
    )
    assert answer.status_code == 201
    assert (answer.json()["name"], answer.json()["team_name"], answer.json()["visibility"]) == ("Copy", "Lab", "team")


@pytest.mark.parametrize(
    ("document", "field", "message"),
    [
        ("name: [unclosed", "document", "not valid JSON or YAML (line 1"),
        ("- just\n- a list", "document", "must be an object"),
        ("kind: something/else\nname: x\ngraph: {}", "kind", "expected"),
        ("schema: 7\nname: x\ngraph: {}", "schema", "schema 1"),
        ("name: x\ngraph: {}\nowner: mallory", "document", "unknown field(s): owner"),
        ("graph: {steps: []}", "name", "needs a name"),
        ("name: x\ngraph: {steps: [{id: a, kind: function, function: nope}], edges: []}", "graph", "unknown function"),
    ],
)
def test_bad_files_are_refused_naming_the_fault_and_nothing_is_created(alice_api, document, field, message):
    answer = alice_api.post("/api/campaigns/import/", {"document": document}, format="json")
    assert answer.status_code == 400
    text = json.dumps(answer.json()[field])
    assert message in text, text
    assert Campaign.objects.count() == 0


def test_manage_py_export_and_import_round_trip(alice, rich, tmp_path):
    for ext in ("json", "yaml"):
        path = tmp_path / f"rich.{ext}"
        call_command("export_campaign", str(rich.pk), "--output", str(path), stderr=StringIO())
        out = StringIO()
        call_command("import_campaign", str(path), "--owner", "alice", stdout=out)
        new_id = int(re.search(r"campaign (\d+)", out.getvalue()).group(1))
        again = tmp_path / f"again.{ext}"
        call_command("export_campaign", str(new_id), "-o", str(again), stderr=StringIO())
        assert again.read_text() == path.read_text()
        assert Campaign.objects.get(pk=new_id).current_version.graph == rich.current_version.graph
    stdout = StringIO()
    call_command("export_campaign", str(rich.pk), "--format", "yaml", stdout=stdout)
    assert yaml.safe_load(stdout.getvalue())["tags"] == ["a", "b"]


def test_manage_py_import_reports_what_is_wrong(alice, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\ngraph: {steps: [], edges: []}\n")
    with pytest.raises(CommandError, match="a campaign needs at least one step"):
        call_command("import_campaign", str(path), "--owner", "alice")
    with pytest.raises(CommandError, match="no user"):
        call_command("import_campaign", str(path), "--owner", "nobody")
    assert Campaign.objects.count() == 0


def test_the_exported_seed_script_runs_its_steps_in_dependency_order_with_asyncflow(alice_api, alice, tmp_path):
    seed = campaign_create(owner=alice, **seed_definition(step_seconds=0.2))
    answer = alice_api.get(f"/api/campaigns/{seed.pk}/export/asyncflow/")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/x-python")
    source = answer.content.decode()
    assert "from radical.asyncflow import LocalExecutionBackend, WorkflowEngine" in source
    assert "@flow.function_task" in source and "await flow.shutdown()" in source
    assert "f_s2_result = step_s2(f_s1_result)" in source  # dependencies passed as arguments
    script = tmp_path / "seed.py"
    script.write_text(source)
    done = subprocess.run(
        [sys.executable, str(script), "--param", "name=Campaign Z"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    events = {}
    for line in done.stdout.splitlines():
        match = re.match(r"\[\s*([\d.]+)s\] (\w+): (started|succeeded)", line)
        if match:
            events[(match[2], match[3])] = float(match[1])
    for k in range(1, 5):
        assert events[(f"s{k}", "succeeded")] - events[(f"s{k}", "started")] >= 0.19
    for k in range(1, 4):
        assert events[(f"s{k + 1}", "started")] >= events[(f"s{k}", "succeeded")], done.stdout


def test_the_script_keeps_blocks_executables_and_upstream_results(alice, alice_runs_commands, tmp_path):
    graph = {
        "steps": [
            {"id": "a", "kind": "function", "function": "echo", "kwargs": {"x": 1}, "block": "prep"},
            {
                "id": "b",
                "kind": "function",
                "function": "echo",
                "kwargs": {"y": "{{ steps.a.result }}"},
                "block": "prep",
            },
            {"id": "c", "kind": "executable", "argv": [sys.executable, "-c", "print('{\"z\": 3}')"]},
            {
                "id": "d",
                "kind": "executable",
                "argv": [sys.executable, "-c", "import sys; print(sys.argv[1])", "{{ steps.b.result }}"],
            },
            {
                "id": "e",
                "kind": "function",
                "function": "echo",
                "kwargs": {"b": "{{ steps.b.result }}", "d": "{{ steps.d.result }}", "who": "{{ params.who }}"},
            },
        ],
        "blocks": [{"id": "prep", "name": "prep"}],
        "edges": [
            {"source": "a", "target": "b"},
            {"source": "b", "target": "d"},
            {"source": "d", "target": "e"},
            {"source": "c", "target": "e"},
        ],
    }
    campaign = campaign_create(
        owner=alice, name="mixed", parameters=[{"name": "who", "type": "string", "required": True}], graph=graph
    )
    from campaigns_app.services import campaign_script

    source = campaign_script(campaign)
    assert "@flow.block" in source and "@flow.executable_task" in source
    script = tmp_path / "mixed.py"
    script.write_text(source)
    missing = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "'who' is required" in missing.stderr
    done = subprocess.run(
        [sys.executable, str(script), "--param", "who=zoe"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    final = [line for line in done.stdout.splitlines() if "] e: succeeded" in line][0]
    assert json.loads(final.split("succeeded ", 1)[1]) == {"b": {"y": {"x": 1}}, "d": {"y": {"x": 1}}, "who": "zoe"}
