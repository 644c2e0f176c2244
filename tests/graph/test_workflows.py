"""Workflow steps, for_each and placeholders as the pure validator sees them."""

import pytest

from campaigns_app.graph import GraphError, normalize_graph
from campaigns_app.graph.validation import FunctionSignature
from campaigns_app.graph.workflows import ChildCampaign, WorkflowLimits

FUNCTIONS = {
    "echo": FunctionSignature("echo", var_kwargs=True),
    "sleep": FunctionSignature("sleep", frozenset({"seconds"}), frozenset({"seconds"})),
}
SEED = ChildCampaign(
    id=1,
    name="Seed",
    version=2,
    parameters=(
        {"name": "name", "type": "string", "default": "A", "required": False},
        {"name": "seconds", "type": "number", "default": None, "required": True},
    ),
)


def catalogue(*children: ChildCampaign):
    by_key = {(c.id, c.version): c for c in children}
    current = {c.id: c for c in children}

    def resolve(ref, version):
        if version is None:
            return current.get(ref) or f"no campaign {ref} that you may see"
        return by_key.get((ref, version)) or f"campaign {ref} has no version {version}"

    return resolve


def normalize(steps, edges=(), parameters=(), resolve=None, limits=None):
    return normalize_graph(
        {"steps": steps, "edges": [{"source": a, "target": b} for a, b in edges]},
        functions=FUNCTIONS,
        backends=["thread"],
        parameter_names=[p["name"] for p in parameters],
        parameters=parameters,
        resolve=resolve or catalogue(SEED),
        limits=limits,
    )


def messages(**kwargs):
    with pytest.raises(GraphError) as caught:
        normalize(**kwargs)
    return [f.message for f in caught.value.faults]


def wf(step_id, campaign=1, **extra):
    return {"id": step_id, "kind": "workflow", "campaign": campaign, **extra}


def test_a_workflow_step_without_version_pins_the_current_one():
    graph = normalize([wf("sim", parameters={"seconds": 0.2})])
    assert graph["steps"][0]["campaign"] == 1
    assert graph["steps"][0]["version"] == 2
    assert graph["steps"][0]["parameters"] == {"seconds": 0.2}


def test_workflow_parameters_are_checked_against_the_child_declarations():
    found = messages(steps=[wf("sim", parameters={"nme": "x", "name": 3})])
    assert "step 'sim': campaign 'Seed' v2 has no parameter 'nme' (declared: name, seconds)" in found
    assert "step 'sim': campaign 'Seed' v2 needs parameter 'seconds'" in found
    assert "step 'sim': parameter 'name' of campaign 'Seed' v2 must be a string" in found


def test_an_unknown_or_invisible_campaign_names_the_step():
    assert messages(steps=[wf("sim", campaign=99)]) == ["step 'sim': no campaign 99 that you may see"]
    assert messages(steps=[wf("sim", version=7, parameters={"seconds": 1})]) == [
        "step 'sim': campaign 1 has no version 7"
    ]


def test_a_campaign_calling_itself_through_another_is_refused_with_the_chain():
    b = ChildCampaign(id=2, name="B", version=1, calls=(("back", 1, 3),))
    a_old = ChildCampaign(id=1, name="A", version=3)
    found = messages(
        steps=[wf("call_b", campaign=2)],
        resolve=catalogue(b, a_old),
        limits=WorkflowLimits(campaign_id=1, campaign_name="A"),
    )
    assert found == ["step 'call_b': 'A' would call itself: A -> B (step call_b) -> A (step back)"]


def test_nesting_deeper_than_the_limit_is_refused():
    chain = [
        ChildCampaign(id=10 + k, name=f"C{k}", version=1, calls=((f"s{k}", 11 + k, 1),) if k < 4 else ())
        for k in range(5)
    ]
    found = messages(steps=[wf("top", campaign=10)], resolve=catalogue(*chain), limits=WorkflowLimits(max_depth=3))
    assert len(found) == 1
    assert found[0].startswith("step 'top': workflows nest 4 deep, over the limit of 3: this campaign -> C0 (step top)")
    normalize([wf("top", campaign=10)], resolve=catalogue(*chain), limits=WorkflowLimits(max_depth=5))


def test_for_each_takes_a_list_or_one_placeholder_and_binds_item():
    graph = normalize(
        [
            {"id": "prep", "kind": "function", "function": "echo", "kwargs": {}},
            {
                "id": "each",
                "kind": "function",
                "function": "echo",
                "max_parallel": 2,
                "for_each": "{{ steps.prep.result.files }}",
                "kwargs": {"f": "{{ item.name }}", "i": "{{ index }}"},
            },
        ],
        edges=[("prep", "each")],
    )
    assert graph["steps"][1]["for_each"] == "{{ steps.prep.result.files }}"
    assert graph["steps"][1]["max_parallel"] == 2
    found = messages(
        steps=[
            {"id": "a", "kind": "function", "function": "echo", "for_each": 3},
            {"id": "c", "kind": "function", "function": "echo", "for_each": [1, 2, 3]},
        ],
        limits=WorkflowLimits(max_items=2),
    )
    assert any("step 'a': for_each must be a list" in m for m in found)
    assert "step 'c': for_each has 3 items, over the limit of 2" in found
    assert messages(steps=[{"id": "b", "kind": "function", "function": "echo", "kwargs": {"x": "{{ item }}"}}]) == [
        "step 'b': {{ item }} is only bound in a step with for_each"
    ]


def test_result_paths_are_checked_statically_where_they_can_be():
    found = messages(
        steps=[
            {"id": "a", "kind": "function", "function": "echo"},
            {
                "id": "b",
                "kind": "function",
                "function": "echo",
                "kwargs": {
                    "x": "{{ steps.a.result.k[0] }}",
                    "y": "{{ params.name.first }}",
                    "z": "{{ steps.c.result.k }}",
                },
            },
            {"id": "c", "kind": "function", "function": "echo"},
        ],
        edges=[("a", "b")],
        parameters=[{"name": "name", "type": "string"}],
    )
    assert found == [
        "step 'b': {{ params.name.first }}: parameter 'name' is a string, and only json parameters have keys",
        "step 'b': {{ steps.c.result.k }} refers to 'c', not an upstream step",
    ]


def test_an_unterminated_placeholder_is_refused_at_save_naming_the_step():
    found = messages(
        steps=[{"id": "a", "kind": "function", "function": "echo", "kwargs": {"x": "{{ params.x"}}],
        parameters=[{"name": "x", "type": "string"}],
    )
    assert found == ["step 'a': kwargs: unterminated placeholder '{{ params.x': close it with }}"]
