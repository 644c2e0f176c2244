"""Workflow steps and for_each through the API: what is stored, and every 400 naming the step."""

import re
import subprocess
import sys

import pytest

from campaigns_app.models import Campaign
from campaigns_app.services import campaign_create, campaign_script
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def fn(step_id, function="noop", **kwargs):
    return {"id": step_id, "kind": "function", "function": function, "kwargs": kwargs}


def wf(step_id, campaign, **extra):
    return {"id": step_id, "kind": "workflow", "campaign": campaign, **extra}


def child(owner, name="Child", visibility="private", **extra):
    graph = {
        "steps": [fn("a", "echo", who="{{ params.who }}"), fn("b", "echo", got="{{ steps.a.result.who }}")],
        "edges": [{"source": "a", "target": "b"}],
    }
    return campaign_create(
        owner=owner,
        name=name,
        visibility=visibility,
        graph=graph,
        parameters=[
            {"name": "who", "type": "string", "required": True},
            {"name": "n", "type": "integer", "default": 1},
        ],
        **extra,
    )


def save(api, steps, edges=(), **extra):
    return api.post(
        "/api/campaigns/",
        {"name": "Parent", "graph": {"steps": steps, "edges": [{"source": a, "target": b} for a, b in edges]}, **extra},
        format="json",
    )


def faults(answer):
    assert answer.status_code == 400, answer.json()
    return [f["message"] for f in answer.json()["graph"]]


def test_a_workflow_step_pins_the_childs_current_version(alice_api, alice):
    kid = child(alice)
    answer = save(alice_api, [wf("sim", kid.pk, parameters={"who": "x"})])
    assert answer.status_code == 201, answer.json()
    step = answer.json()["graph"]["steps"][0]
    assert (step["campaign"], step["version"], step["parameters"]) == (kid.pk, 1, {"who": "x"})


def test_bad_workflow_steps_are_refused_naming_the_step(alice_api, alice, bob):
    kid = child(alice)
    hidden = child(bob, name="Bob's")
    cases = [
        (wf("sim", hidden.pk, parameters={"who": "x"}), f"step 'sim': no campaign {hidden.pk} that you may see"),
        (wf("sim", kid.pk), "step 'sim': campaign 'Child' v1 needs parameter 'who'"),
        (
            wf("sim", kid.pk, parameters={"who": "x", "colour": 1}),
            "step 'sim': campaign 'Child' v1 has no parameter 'colour' (declared: n, who)",
        ),
        (
            wf("sim", kid.pk, parameters={"who": "x", "n": "three"}),
            "step 'sim': parameter 'n' of campaign 'Child' v1 must be an integer",
        ),
        (
            wf("sim", kid.pk, version=4, parameters={"who": "x"}),
            "step 'sim': campaign 'Child' has no version 4 (1 to 1)",
        ),
        (wf("sim", None), "step 'sim': a workflow step needs the campaign it runs"),
        (
            {**fn("e", "echo"), "for_each": {"a": 1}},
            "step 'e': for_each must be a list, or one placeholder such as "
            '"{{ steps.ID.result.files }}" that gives a list',
        ),
        (
            {**fn("e", "echo"), "for_each": [1], "max_parallel": 0},
            "step 'e': max_parallel must be a positive integer or null",
        ),
        (
            fn("e", "echo", x="{{ params.x"),
            "step 'e': kwargs: unterminated placeholder '{{ params.x': close it with }}",
        ),
        (fn("e", "echo", x="{{ item.k }}"), "step 'e': {{ item.k }} is only bound in a step with for_each"),
    ]
    before = Campaign.objects.count()
    for step, message in cases:
        assert message in faults(save(alice_api, [step])), message
    assert Campaign.objects.count() == before


def test_a_campaign_that_would_call_itself_is_refused_with_the_chain(alice_api, alice):
    a = campaign_create(owner=alice, name="A", graph={"steps": [fn("x")], "edges": []})
    b = campaign_create(owner=alice, name="B", graph={"steps": [wf("back", a.pk)], "edges": []})
    answer = alice_api.patch(
        f"/api/campaigns/{a.pk}/", {"graph": {"steps": [wf("call_b", b.pk)], "edges": []}}, format="json"
    )
    assert faults(answer) == ["step 'call_b': 'A' would call itself: A -> B (step call_b) -> A (step back)"]
    assert answer.json()["graph"][0]["path"] == ["A", "B (step call_b)", "A (step back)"]
    assert Campaign.objects.get(pk=a.pk).version == 1
    direct = alice_api.patch(
        f"/api/campaigns/{a.pk}/", {"graph": {"steps": [wf("me", a.pk)], "edges": []}}, format="json"
    )
    assert faults(direct) == ["step 'me': 'A' would call itself: A -> A (step me)"]


def test_nesting_deeper_than_the_setting_is_refused(alice_api, alice, settings):
    settings.STUDIO_MAX_WORKFLOW_DEPTH = 2
    c = campaign_create(owner=alice, name="C", graph={"steps": [fn("x")], "edges": []})
    b = campaign_create(owner=alice, name="B", graph={"steps": [wf("to_c", c.pk)], "edges": []})
    a = campaign_create(owner=alice, name="A", graph={"steps": [wf("to_b", b.pk)], "edges": []})
    assert faults(save(alice_api, [wf("to_a", a.pk)])) == [
        "step 'to_a': workflows nest 3 deep, over the limit of 2: this campaign -> A (step to_a) -> "
        "B (step to_b) -> C (step to_c)"
    ]


def test_for_each_over_an_upstream_list_is_stored(alice_api, alice):
    kid = child(alice)
    answer = save(
        alice_api,
        [
            fn("prep", "echo", names=["x", "y"]),
            wf(
                "ens",
                kid.pk,
                for_each="{{ steps.prep.result.names }}",
                max_parallel=2,
                parameters={"who": "{{ item }}", "n": "{{ index }}"},
            ),
        ],
        edges=[("prep", "ens")],
    )
    assert answer.status_code == 201, answer.json()
    step = answer.json()["graph"]["steps"][1]
    assert (step["for_each"], step["max_parallel"]) == ("{{ steps.prep.result.names }}", 2)


def test_export_names_the_child_campaigns_and_import_resolves_them(alice_api, alice, bob):
    kid = child(alice, visibility="public")
    parent = campaign_create(
        owner=alice, name="Parent", graph={"steps": [wf("sim", kid.pk, parameters={"who": "x"})], "edges": []}
    )
    document = alice_api.get(f"/api/campaigns/{parent.pk}/export/json/").json()
    assert document["graph"]["steps"][0]["campaign"] == {"id": kid.pk, "name": "Child"}
    assert document["graph"]["steps"][0]["version"] == 1
    document["graph"]["steps"][0]["campaign"]["id"] = 999  # another studio's id: the name decides
    imported = client_for(bob).post("/api/campaigns/import/", {"document": document}, format="json")
    assert imported.status_code == 201, imported.json()
    assert imported.json()["graph"]["steps"][0]["campaign"] == kid.pk
    private = child(alice, name="Private child")
    document["graph"]["steps"][0]["campaign"] = {"id": private.pk, "name": "Private child"}
    refused = client_for(bob).post("/api/campaigns/import/", {"document": document}, format="json")
    assert refused.status_code == 400
    assert refused.json()["graph"][0]["message"] == "step 'sim': no campaign named 'Private child' that you may see"


def test_the_asyncflow_script_runs_workflow_steps_as_blocks_and_reports_every_end(alice, alice_runs_commands, tmp_path):
    kid = child(alice)
    grandchild_user = campaign_create(
        owner=alice,
        name="Outer",
        graph={"steps": [wf("inner", kid.pk, parameters={"who": "{{ params.who }}"})], "edges": []},
        parameters=[{"name": "who", "type": "string", "default": "nested"}],
    )
    graph = {
        "steps": [
            fn("prep", "echo", names=["p", "q"]),
            wf("sim", kid.pk, parameters={"who": "{{ params.name }}-sim"}),
            wf("ens", kid.pk, for_each="{{ steps.prep.result.names }}", parameters={"who": "{{ item }}{{ index }}"}),
            wf("deep", grandchild_user.pk),
            {"id": "cmd", "kind": "executable", "argv": [sys.executable, "-c", "print('{\"z\": 3}')"]},
            fn("last", "echo", got="{{ steps.sim.result.b.got }}", first="{{ steps.ens.result[1].a.who }}"),
        ],
        "edges": [
            {"source": "prep", "target": "sim"},
            {"source": "prep", "target": "ens"},
            {"source": "sim", "target": "last"},
            {"source": "ens", "target": "last"},
        ],
    }
    parent = campaign_create(
        owner=alice, name="Parent", graph=graph, parameters=[{"name": "name", "type": "string", "default": "A"}]
    )
    source = campaign_script(parent)
    assert source.count("@flow.block") >= 2
    script = tmp_path / "parent.py"
    script.write_text(source)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    ends = {}
    for line in done.stdout.splitlines():
        match = re.match(r"\[\s*[\d.]+s\] (\S+): (succeeded|failed)(?: (.*))?$", line)
        if match:
            ends[match[1]] = (match[2], match[3])
    assert ends["sim/a"] == ("succeeded", '{"who": "A-sim"}')
    assert ends["sim"] == ("succeeded", '{"a": {"who": "A-sim"}, "b": {"got": "A-sim"}}')
    assert ends["ens[1]/b"] == ("succeeded", '{"got": "q1"}')
    assert ends["deep/inner/b"] == ("succeeded", '{"got": "nested"}')
    assert ends["cmd"] == ("succeeded", '{"z": 3}')  # an executable reports its end and result too
    assert ends["last"] == ("succeeded", '{"got": "A-sim", "first": "q1"}')
    assert set(ends) >= {"prep", "ens", "ens[0]", "deep", "deep/inner"}


@pytest.mark.django_db(transaction=True)
def test_run_detail_names_child_runs_and_items_and_the_parent_filter_lists_children(alice_api, alice):
    from campaigns_app.models import StepRun
    from campaigns_app.services import run_launch, step_run_execute

    kid = child(alice)
    parent = campaign_create(
        owner=alice,
        name="Parent",
        graph={
            "steps": [
                wf("sim", kid.pk, parameters={"who": "x"}),
                wf("ens", kid.pk, for_each=["p", "q"], parameters={"who": "{{ item }}"}),
            ],
            "edges": [],
        },
    )
    run = run_launch(campaign=parent, user=alice)
    for _ in range(20):
        queued = list(StepRun.objects.filter(state="queued").values_list("pk", flat=True))
        for pk in queued:
            step_run_execute(step_run_id=pk)
    detail = alice_api.get(f"/api/runs/{run.pk}/").json()
    assert detail["state"] == "succeeded" and detail["parent"] is None
    sim = next(s for s in detail["steps"] if s["step"] == "sim")
    children = alice_api.get(f"/api/runs/?parent={run.pk}").json()["results"]
    assert sim["child_run"] in {c["id"] for c in children} and len(children) == 3
    assert {(c["parent"]["step"], c["parent"]["item"]) for c in children} == {("sim", None), ("ens", 0), ("ens", 1)}
    assert [(i["index"], i["value"], i["state"]) for i in detail["items"]["ens"]] == [
        (0, "p", "succeeded"),
        (1, "q", "succeeded"),
    ]
    assert {(c["step"], c["done"], c["total"]) for c in detail["children"]} == {
        ("sim", None, 2, 2)[0:1] + (2, 2),
        ("ens", 2, 2),
    }
    assert alice_api.get("/api/runs/?parent=x").status_code == 400
