"""Step resources: cores, GPUs, memory, walltime and partition, checked with the step named."""

import pytest

from campaigns_app.graph import GraphError

from .test_validation import sleep_step, validate


def test_resources_are_normalised():
    _, graph = validate(
        {
            "steps": [
                sleep_step(
                    "a",
                    resources={"cores": 4, "gpus": 0, "walltime": " 01:30 ", "partition": "gpu ", "memory_mb": 2048},
                )
            ],
            "edges": [],
        }
    )
    assert graph["steps"][0]["resources"] == {
        "cores": 4,
        "gpus": 0,
        "walltime": "01:30",
        "partition": "gpu",
        "memory_mb": 2048,
    }


def test_empty_resources_are_dropped():
    _, graph = validate({"steps": [sleep_step("a", resources={})], "edges": []})
    assert "resources" not in graph["steps"][0]


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        ({"cores": 0}, "resources.cores must be a whole number from 1"),
        ({"cores": 1.5}, "resources.cores must be a whole number"),
        ({"gpus": -1}, "resources.gpus must be a whole number from 0"),
        ({"gpus": True}, "resources.gpus must be a whole number"),
        ({"walltime": "ninety minutes"}, "resources.walltime must be HH:MM"),
        ({"walltime": "1:75"}, "resources.walltime must be HH:MM"),
        ({"partition": 3}, "resources.partition must be a string"),
        ({"nodes": 2}, "unknown resource(s) nodes"),
        ([1, 2], "resources must be an object"),
    ],
)
def test_bad_resources_name_the_step_and_field(resources, expected):
    with pytest.raises(GraphError) as info:
        validate({"steps": [sleep_step("a", resources=resources)], "edges": []})
    assert [f.step for f in info.value.faults] == ["a"]
    assert expected in info.value.faults[0].message


@pytest.mark.parametrize("walltime", ["00:10", "2-00:00", "12:00:30", 3600])
def test_walltime_formats(walltime):
    _, graph = validate({"steps": [sleep_step("a", resources={"walltime": walltime})], "edges": []})
    assert graph["steps"][0]["resources"]["walltime"] == walltime
