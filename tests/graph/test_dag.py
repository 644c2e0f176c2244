from itertools import pairwise

import pytest

from campaigns_app.graph import Dag, find_cycle


def chain(n):
    ids = [f"s{i}" for i in range(1, n + 1)]
    return Dag(ids, list(pairwise(ids)))


def test_topological_order_puts_every_step_after_its_dependencies():
    dag = Dag(["c", "a", "b", "d"], [("a", "b"), ("b", "c"), ("a", "d")])
    order = dag.topological_order()
    assert order.index("a") < order.index("b") < order.index("c")
    assert order.index("a") < order.index("d")


def test_ready_steps_are_pending_ones_whose_dependencies_all_succeeded():
    dag = Dag(["a", "b", "join"], [("a", "join"), ("b", "join")])
    assert dag.ready({"a": "pending", "b": "pending", "join": "pending"}) == ["a", "b"]
    assert dag.ready({"a": "succeeded", "b": "running", "join": "pending"}) == []
    assert dag.ready({"a": "succeeded", "b": "succeeded", "join": "pending"}) == ["join"]
    assert dag.ready({"a": "succeeded", "b": "failed", "join": "pending"}) == []


def test_ancestors_and_descendants_follow_edges_transitively():
    dag = chain(4)
    assert dag.ancestors("s3") == {"s1", "s2"}
    assert dag.descendants("s2") == {"s3", "s4"}
    assert dag.roots() == ["s1"]
    assert dag.depths() == {"s1": 0, "s2": 1, "s3": 2, "s4": 3}


def test_find_cycle_returns_the_closed_path():
    cycle = find_cycle(["a", "b", "c"], {"a": ["b"], "b": ["c"], "c": ["a"]})
    assert cycle[0] == cycle[-1]
    assert set(cycle) == {"a", "b", "c"}
    assert find_cycle(["a", "b"], {"a": ["b"]}) is None


def test_a_long_chain_does_not_hit_the_recursion_limit():
    dag = chain(5000)
    assert find_cycle(dag.step_ids, dag.successors) is None
    assert dag.topological_order()[-1] == "s5000"


def test_topological_order_refuses_a_cycle():
    with pytest.raises(ValueError):
        Dag(["a", "b"], [("a", "b"), ("b", "a")]).topological_order()
