"""The validator, fed anything: a normalised definition or a GraphError naming each fault, never another exception."""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from campaigns_app.graph import FunctionSignature, GraphError, validate_campaign
from campaigns_app.graph.validation import GraphLimits

from .conftest import EXAMPLES
from .strategies import chains_with_a_cycle, graphs, parameters

FUNCTIONS = {
    "sleep": FunctionSignature("sleep", accepted=frozenset({"seconds"}), required=frozenset({"seconds"})),
    "echo": FunctionSignature("echo", var_kwargs=True),
    "noop": FunctionSignature("noop"),
    "fail": FunctionSignature("fail", accepted=frozenset({"message", "times"})),
}
LIMITS = GraphLimits(max_steps=50, max_value_bytes=2000, max_depth=16)


def validate(params, graph):
    return validate_campaign(
        parameters=params, graph=graph, functions=FUNCTIONS, backends={"thread"}, size_limits=LIMITS
    )


# The validator is pure and fast: five times the examples of the API properties.
@settings(max_examples=EXAMPLES * 5)
@given(params=parameters, graph=graphs)
def test_any_definition_is_normalised_or_refused_with_named_faults(params, graph):
    try:
        normalized_params, normalized_graph = validate(params, graph)
    except GraphError as exc:
        assert exc.faults
        for field, faults in exc.by_field().items():
            assert field in ("graph", "parameters")
            assert all(isinstance(f["message"], str) and f["message"] for f in faults)
        return
    # What passes can be stored as JSON and is a fixed point of validation.
    json.dumps([normalized_params, normalized_graph], allow_nan=False)
    assert validate(normalized_params, normalized_graph) == (normalized_params, normalized_graph)


@given(graph=chains_with_a_cycle())
def test_a_cycle_is_refused_naming_its_path(graph):
    try:
        validate([], graph)
    except GraphError as exc:
        messages = [f.message for f in exc.faults]
        assert any("cycle" in m or "depend on itself" in m for m in messages), messages
    else:
        raise AssertionError("a cyclic graph was accepted")


@given(size=st.integers(51, 80))
def test_past_the_step_limit_the_one_fault_names_the_setting(size):
    graph = {"steps": [{"id": f"s{i}", "kind": "function", "function": "noop"} for i in range(size)], "edges": []}
    try:
        validate([], graph)
    except GraphError as exc:
        assert len(exc.faults) == 1 and "STUDIO_MAX_STEPS" in exc.faults[0].message
    else:
        raise AssertionError("an oversized graph was accepted")
