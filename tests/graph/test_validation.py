import pytest

from campaigns_app.graph import FunctionSignature, GraphError, validate_campaign

FUNCTIONS = {
    "sleep": FunctionSignature("sleep", frozenset({"seconds"}), frozenset({"seconds"})),
    "echo": FunctionSignature("echo", frozenset(), frozenset(), var_kwargs=True),
}
BACKENDS = ["thread"]


def validate(graph, parameters=()):
    return validate_campaign(parameters=list(parameters), graph=graph, functions=FUNCTIONS, backends=BACKENDS)


def sleep_step(step_id, **extra):
    return {"id": step_id, "kind": "function", "function": "sleep", "kwargs": {"seconds": 0.1}, **extra}


def messages(graph, parameters=()):
    with pytest.raises(GraphError) as info:
        validate(graph, parameters)
    return [f.message for f in info.value.faults]


def test_a_valid_graph_is_normalised_with_defaults():
    params, graph = validate(
        {"steps": [sleep_step("s1"), sleep_step("s2")], "edges": [{"source": "s1", "target": "s2"}]}
    )
    assert params == []
    assert graph["steps"][0] == {
        "id": "s1",
        "name": "s1",
        "kind": "function",
        "function": "sleep",
        "kwargs": {"seconds": 0.1},
        "backend": "thread",
        "retries": 0,
        "retry_delay_s": 0,
        "timeout_s": None,
    }


def test_a_cycle_is_reported_with_the_steps_on_it():
    found = messages(
        {
            "steps": [sleep_step("a"), sleep_step("b"), sleep_step("c")],
            "edges": [{"source": "a", "target": "b"}, {"source": "b", "target": "c"}, {"source": "c", "target": "a"}],
        }
    )
    assert len(found) == 1 and found[0].startswith("cycle: ")
    assert all(s in found[0] for s in ("a", "b", "c"))


def test_an_edge_to_an_unknown_step_names_it():
    assert "edge s1 -> ghost names unknown step 'ghost'" in messages(
        {"steps": [sleep_step("s1")], "edges": [{"source": "s1", "target": "ghost"}]}
    )


def test_duplicate_ids_are_refused():
    assert "duplicate step id 's1'" in messages({"steps": [sleep_step("s1"), sleep_step("s1")], "edges": []})


def test_unknown_kind_function_and_backend_are_named():
    found = messages(
        {
            "steps": [
                {"id": "a", "kind": "shell"},
                {"id": "b", "kind": "function", "function": "explode"},
                sleep_step("c", backend="quantum"),
            ],
            "edges": [],
        }
    )
    assert any("step 'a': unknown kind 'shell'" in m for m in found)
    assert any("step 'b': unknown function 'explode'" in m for m in found)
    assert any("step 'c': unknown backend 'quantum'" in m for m in found)


def test_kwargs_the_function_does_not_accept_or_needs():
    found = messages(
        {
            "steps": [
                {"id": "a", "kind": "function", "function": "sleep", "kwargs": {"seconds": 1, "speed": 2}},
                {"id": "b", "kind": "function", "function": "sleep", "kwargs": {}},
            ],
            "edges": [],
        }
    )
    assert "step 'a': function 'sleep' does not accept speed" in found
    assert "step 'b': function 'sleep' needs seconds" in found


def test_argv_must_be_a_list_of_strings():
    assert "step 'x': argv must be a non-empty list of strings" in messages(
        {"steps": [{"id": "x", "kind": "executable", "argv": "echo hi"}], "edges": []}
    )


def test_undeclared_parameter_placeholder_is_refused():
    assert any(
        "undeclared parameter 'who'" in m
        for m in messages(
            {"steps": [{"id": "x", "kind": "executable", "argv": ["echo", "{{ params.who }}"]}], "edges": []}
        )
    )


def test_step_result_placeholder_must_name_an_ancestor():
    found = messages(
        {
            "steps": [
                sleep_step("a"),
                sleep_step("b"),
                {"id": "c", "kind": "function", "function": "echo", "kwargs": {"x": "{{ steps.b.result }}"}},
            ],
            "edges": [{"source": "a", "target": "c"}],
        }
    )
    assert any("refers to 'b', not an upstream step" in m for m in found)


def test_declared_parameters_and_ancestor_results_are_accepted():
    params, graph = validate(
        {
            "steps": [
                sleep_step("a"),
                {"id": "b", "kind": "executable", "argv": ["echo", "{{ params.name }}", "{{ steps.a.result }}"]},
            ],
            "edges": [{"source": "a", "target": "b"}],
        },
        parameters=[{"name": "name", "type": "string", "default": "A"}],
    )
    assert params[0]["default"] == "A"
    assert graph["steps"][1]["argv"][1] == "{{ params.name }}"


def test_parameter_defaults_must_match_their_type():
    with pytest.raises(GraphError) as info:
        validate(
            {"steps": [sleep_step("a")], "edges": []}, parameters=[{"name": "n", "type": "integer", "default": "three"}]
        )
    assert info.value.faults[0].message == "parameter 'n': default must be an integer"
    assert info.value.faults[0].field == "parameters"


def test_every_fault_is_reported_at_once_with_the_step_it_concerns():
    with pytest.raises(GraphError) as info:
        validate({"steps": [{"id": "a", "kind": "nope"}, {"id": "b", "kind": "executable", "argv": []}], "edges": []})
    assert {f.step for f in info.value.faults} == {"a", "b"}
    assert info.value.by_field()["graph"][0]["step"] == "a"


def test_a_parameter_whose_name_is_not_text_is_refused_by_name_not_a_crash():
    # Found by tests/fuzz: a list as a parameter's name reached a set lookup and raised TypeError.
    found = messages({"steps": [sleep_step("s1")], "edges": []}, parameters=[{"name": ["x"], "type": "string"}])
    assert any("name" in m for m in found), found
