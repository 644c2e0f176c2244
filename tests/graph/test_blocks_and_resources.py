import pytest

from campaigns_app.graph import GraphError

from .test_validation import messages, sleep_step, validate


def chain(*steps):
    return [{"source": a, "target": b} for a, b in zip(steps, steps[1:])]


def test_blocks_are_kept_with_the_steps_that_name_them():
    _, graph = validate({
        "steps": [sleep_step("a", block="prep"), sleep_step("b", block="inner"), sleep_step("c")],
        "edges": chain("a", "b", "c"),
        "blocks": [{"id": "prep", "name": "Preparation"}, {"id": "inner", "name": "Inner", "parent": "prep"}],
    })
    assert graph["blocks"] == [{"id": "prep", "name": "Preparation", "parent": None},
                               {"id": "inner", "name": "Inner", "parent": "prep"}]
    assert [s.get("block") for s in graph["steps"]] == ["prep", "inner", None]


def test_a_graph_without_blocks_has_no_blocks_key():
    _, graph = validate({"steps": [sleep_step("a")], "edges": []})
    assert "blocks" not in graph


@pytest.mark.parametrize(("blocks", "step_block", "expected"), [
    ([{"id": "x"}, {"id": "x"}], None, "block 'x' is declared twice"),
    ([{"id": "x", "parent": "nowhere"}], None, "block 'x': parent 'nowhere' is not a block"),
    ([{"id": "x"}], "y", "step 'a': block 'y' is not declared in graph.blocks"),
    ([{"id": "1bad"}], None, "blocks[0] needs an id"),
    ({"id": "x"}, None, "graph.blocks must be a list"),
])
def test_bad_blocks_are_named(blocks, step_block, expected):
    step = sleep_step("a", block=step_block) if step_block else sleep_step("a")
    found = messages({"steps": [step], "edges": [], "blocks": blocks})
    assert any(expected in m for m in found), found


def test_blocks_nesting_in_a_cycle_are_refused_naming_the_loop():
    with pytest.raises(GraphError) as info:
        validate({"steps": [sleep_step("a")], "edges": [],
                  "blocks": [{"id": "x", "parent": "z"}, {"id": "y", "parent": "x"}, {"id": "z", "parent": "y"}]})
    loops = [f for f in info.value.faults if "cycle" in f.message]
    assert len(loops) == 1
    assert set(loops[0].path) == {"x", "y", "z"}


def test_resources_are_normalised():
    _, graph = validate({"steps": [sleep_step("a", resources={
        "cores": 4, "gpus": 0, "walltime": " 01:30 ", "partition": "gpu ", "memory_mb": 2048})], "edges": []})
    assert graph["steps"][0]["resources"] == {"cores": 4, "gpus": 0, "walltime": "01:30", "partition": "gpu",
                                              "memory_mb": 2048}


def test_empty_resources_are_dropped():
    _, graph = validate({"steps": [sleep_step("a", resources={})], "edges": []})
    assert "resources" not in graph["steps"][0]


@pytest.mark.parametrize(("resources", "expected"), [
    ({"cores": 0}, "resources.cores must be a whole number from 1"),
    ({"cores": 1.5}, "resources.cores must be a whole number"),
    ({"gpus": -1}, "resources.gpus must be a whole number from 0"),
    ({"gpus": True}, "resources.gpus must be a whole number"),
    ({"walltime": "ninety minutes"}, "resources.walltime must be HH:MM"),
    ({"walltime": "1:75"}, "resources.walltime must be HH:MM"),
    ({"partition": 3}, "resources.partition must be a string"),
    ({"nodes": 2}, "unknown resource(s) nodes"),
    ([1, 2], "resources must be an object"),
])
def test_bad_resources_name_the_step_and_field(resources, expected):
    with pytest.raises(GraphError) as info:
        validate({"steps": [sleep_step("a", resources=resources)], "edges": []})
    assert [f.step for f in info.value.faults] == ["a"]
    assert expected in info.value.faults[0].message


@pytest.mark.parametrize("walltime", ["00:10", "2-00:00", "12:00:30", 3600])
def test_walltime_formats(walltime):
    _, graph = validate({"steps": [sleep_step("a", resources={"walltime": walltime})], "edges": []})
    assert graph["steps"][0]["resources"]["walltime"] == walltime
