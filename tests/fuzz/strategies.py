"""Hypothesis strategies for campaign definitions: mostly plausible, often wrong in one of every known way."""

from __future__ import annotations

from hypothesis import strategies as st

IDS = ["a", "b", "c", "d", "e", "s_1", "step-2", "Ünï", "x" * 64]
BAD_IDS = ["", "1abc", "has space", "x" * 65, "a/b", "\u202eevil", None, 7, ["a"]]
FUNCTIONS = ["noop", "echo", "sleep", "fail", "missing", "", None]

texts = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=30)
numbers = st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=True, allow_infinity=True))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    numbers,
    texts,
    st.sampled_from(
        [
            "{{ params.p }}",
            "{{ steps.a.result }}",
            "{{ steps.zz.result }}",
            "{{ params.nope }}",
            "{{ bogus }}",
            "x {{ params.p }} y",
        ]
    ),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=4)),
    max_leaves=12,
)


def deep(depth: int):
    value: object = "leaf"
    for _ in range(depth):
        value = {"k": [value]}
    return value


step_ids = st.one_of(st.sampled_from(IDS), st.sampled_from(BAD_IDS))
steps = st.fixed_dictionaries(
    {"id": step_ids},
    optional={
        "kind": st.sampled_from(["function", "executable", "script", None, 3]),
        "function": st.sampled_from(FUNCTIONS),
        "kwargs": st.one_of(
            st.dictionaries(st.sampled_from(["seconds", "value", "message", "times", "junk"]), json_values, max_size=3),
            json_values,
            st.integers(20, 60).map(deep),
        ),
        "argv": st.one_of(st.lists(texts, max_size=3), json_values),
        "env": st.one_of(st.dictionaries(texts, texts, max_size=2), json_values),
        "cwd": st.one_of(texts, json_values),
        "backend": st.sampled_from(["thread", "radical", "nope", None, ["thread"]]),
        "retries": st.one_of(st.integers(-3, 200), json_values),
        "retry_delay_s": numbers,
        "timeout_s": numbers,
        "position": st.one_of(st.fixed_dictionaries({"x": numbers, "y": numbers}), json_values),
        "block": st.one_of(st.sampled_from(["blk", "nope"]), json_values),
        "resources": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "cores": numbers,
                    "gpus": numbers,
                    "walltime": st.one_of(texts, numbers),
                    "partition": json_values,
                    "junk": json_values,
                },
            ),
            json_values,
        ),
        "description": json_values,
        "name": json_values,
        "surprise": json_values,
    },
)
edges = st.one_of(
    st.fixed_dictionaries({"source": st.sampled_from(IDS + ["blk"]), "target": st.sampled_from(IDS + ["blk"])}),
    json_values,
)
blocks = st.lists(
    st.fixed_dictionaries(
        {"id": st.sampled_from(["blk", "inner", "a", "bad id"])},
        optional={"parent": st.sampled_from([None, "blk", "inner", "gone"]), "name": json_values},
    ),
    max_size=3,
)
graphs = st.one_of(
    st.fixed_dictionaries(
        {"steps": st.lists(steps, max_size=8), "edges": st.lists(edges, max_size=10)},
        optional={"blocks": st.one_of(blocks, json_values)},
    ),
    json_values,
)
parameters = st.one_of(
    st.lists(
        st.fixed_dictionaries(
            {"name": st.one_of(st.sampled_from(["p", "q", "p"]), json_values)},
            optional={
                "type": st.sampled_from(["string", "integer", "number", "boolean", "choice", "json", "weird"]),
                "default": json_values,
                "choices": json_values,
                "required": json_values,
                "description": json_values,
            },
        ),
        max_size=3,
    ),
    json_values,
)


@st.composite
def chains_with_a_cycle(draw):
    """A valid chain of functions with one edge pointing back, so it must be refused as a cycle."""
    size = draw(st.integers(2, 30))
    ids = [f"s{i}" for i in range(size)]
    back_from = draw(st.integers(1, size - 1))
    back_to = draw(st.integers(0, back_from))
    graph_edges = [{"source": ids[i - 1], "target": ids[i]} for i in range(1, size)]
    if back_to == back_from:
        graph_edges.append({"source": ids[back_from], "target": ids[back_from]})
    else:
        graph_edges.append({"source": ids[back_from], "target": ids[back_to]})
    return {"steps": [{"id": i, "kind": "function", "function": "noop"} for i in ids], "edges": graph_edges}
