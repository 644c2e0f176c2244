import pytest

from campaigns_app.graph import Dag, GraphError
from campaigns_app.graph.blocks import block_members

from .test_validation import sleep_step, validate


def campaign_blocks():
    """Two campaigns as blocks of two chained steps; campaign B starts after campaign A."""
    return {
        "blocks": [{"id": "A", "name": "Campaign A"}, {"id": "B", "name": "Campaign B"}],
        "steps": [
            sleep_step("a1", block="A"),
            sleep_step("a2", block="A"),
            sleep_step("b1", block="B"),
            sleep_step("b2", block="B"),
            sleep_step("end"),
        ],
        "edges": [
            {"source": "a1", "target": "a2"},
            {"source": "b1", "target": "b2"},
            {"source": "A", "target": "B"},
            {"source": "B", "target": "end"},
        ],
    }


def test_an_edge_between_blocks_joins_the_sinks_of_one_to_the_sources_of_the_other():
    _, graph = validate(campaign_blocks())
    dag = Dag.from_graph(graph)
    assert dag.predecessors["b1"] == ["a2"]
    assert dag.predecessors["end"] == ["b2"]
    assert dag.roots() == ["a1"]
    assert graph["blocks"][0] == {"id": "A", "name": "Campaign A", "parent": None}


def test_nested_blocks_count_their_inner_steps_as_members():
    graph = {
        "blocks": [{"id": "outer"}, {"id": "inner", "parent": "outer"}],
        "steps": [sleep_step("x", block="inner"), sleep_step("y", block="outer"), sleep_step("z")],
        "edges": [{"source": "inner", "target": "y"}, {"source": "outer", "target": "z"}],
    }
    _, normalized = validate(graph)
    assert block_members(normalized) == {"outer": {"x", "y"}, "inner": {"x"}}
    dag = Dag.from_graph(normalized)
    assert dag.predecessors["y"] == ["x"] and dag.predecessors["z"] == ["y"]


def test_steps_inside_a_block_without_inner_edges_are_all_sources_and_sinks():
    graph = {
        "blocks": [{"id": "fan"}],
        "steps": [sleep_step("start"), sleep_step("p", block="fan"), sleep_step("q", block="fan"), sleep_step("join")],
        "edges": [{"source": "start", "target": "fan"}, {"source": "fan", "target": "join"}],
    }
    dag = Dag.from_graph(validate(graph)[1])
    assert sorted(dag.successors["start"]) == ["p", "q"]
    assert sorted(dag.predecessors["join"]) == ["p", "q"]


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        (
            {"blocks": [{"id": "A", "parent": "nope"}], "steps": [sleep_step("s", block="A")], "edges": []},
            "parent 'nope' is not a block",
        ),
        (
            {
                "blocks": [{"id": "A", "parent": "B"}, {"id": "B", "parent": "A"}],
                "steps": [sleep_step("s")],
                "edges": [],
            },
            "blocks nest in a cycle",
        ),
        ({"blocks": [{"id": "s"}], "steps": [sleep_step("s")], "edges": []}, "used twice"),
        ({"blocks": [], "steps": [sleep_step("s", block="ghost")], "edges": []}, "block 'ghost' is not declared"),
        (
            {"blocks": [{"id": "E"}], "steps": [sleep_step("s")], "edges": [{"source": "s", "target": "E"}]},
            "block 'E' has no steps",
        ),
    ],
)
def test_bad_blocks_are_named(graph, expected):
    with pytest.raises(GraphError) as info:
        validate(graph)
    assert any(expected in f.message for f in info.value.faults), [f.message for f in info.value.faults]


def test_block_edges_that_close_a_loop_are_a_cycle():
    graph = campaign_blocks()
    graph["edges"].append({"source": "B", "target": "A"})
    with pytest.raises(GraphError, match="cycle"):
        validate(graph)
