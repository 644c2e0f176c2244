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


def test_a_long_chain_of_nested_diamond_blocks_expands_each_block_edge_to_exit_times_entry():
    count = 300
    graph = {
        "blocks": [{"id": "G0"}, {"id": "G1"}, *({"id": f"B{i}", "parent": f"G{i // 150}"} for i in range(count))],
        "steps": [sleep_step(f"b{i}_{k}", block=f"B{i}") for i in range(count) for k in range(4)],
        "edges": [
            *(
                {"source": f"b{i}_{a}", "target": f"b{i}_{b}"}
                for i in range(count)
                for a, b in ((0, 1), (0, 2), (1, 3), (2, 3))
            ),
            *({"source": f"B{i - 1}", "target": f"B{i}"} for i in range(1, count) if i != 150),
            {"source": "G0", "target": "G1"},
        ],
    }
    _, validated = validate(graph)
    dag = Dag.from_graph(validated)
    assert dag.predecessors["b1_0"] == ["b0_3"] and dag.predecessors["b299_0"] == ["b298_3"]
    # Across the groups: G0's only sink joins G1's only source.
    assert dag.predecessors["b150_0"] == ["b149_3"]
    assert sorted(dag.predecessors["b7_3"]) == ["b7_1", "b7_2"]
    assert len(dag.topological_order()) == 4 * count
    assert sum(len(p) for p in dag.predecessors.values()) == 4 * count + count - 1


def test_an_edge_from_a_block_into_its_own_member_does_not_change_what_later_edges_see_as_its_sinks():
    graph = {
        "blocks": [{"id": "A"}],
        "steps": [sleep_step("a1", block="A"), sleep_step("a2", block="A"), sleep_step("after")],
        "edges": [{"source": "A", "target": "a2"}, {"source": "A", "target": "after"}],
    }
    _, validated = validate(graph)
    dag = Dag.from_graph(validated)
    # A's sinks were a1 and a2; once a1 -> a2 exists, only a2 is a sink when A -> after is expanded.
    assert dag.predecessors["a2"] == ["a1"] and dag.predecessors["after"] == ["a2"]
