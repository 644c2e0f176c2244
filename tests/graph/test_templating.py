import pytest

from campaigns_app.graph import TemplateError, placeholders_in, render_value
from campaigns_app.graph.templating import render_argv


def test_a_whole_placeholder_keeps_the_json_type_of_its_value():
    assert render_value({"seconds": "{{ params.delay }}"}, {"delay": 0.5}, {}) == {"seconds": 0.5}
    assert render_value("{{steps.s1.result}}", {}, {"s1": {"a": [1]}}) == {"a": [1]}


def test_placeholders_inside_text_are_interpolated():
    out = render_value("hello {{ params.name }} got {{ steps.s1.result }}", {"name": "A"}, {"s1": 3})
    assert out == "hello A got 3"


def test_argv_stays_a_list_of_strings():
    assert render_argv(["echo", "{{ steps.s1.result }}", "{{ params.name }}"], {"name": "B"}, {"s1": 0.5}) == [
        "echo", "0.5", "B"]


def test_nested_values_are_rendered():
    out = render_value({"a": ["{{ params.x }}", {"b": "{{ params.x }}!"}]}, {"x": 1}, {})
    assert out == {"a": [1, {"b": "1!"}]}


def test_malformed_placeholders_are_named():
    with pytest.raises(TemplateError, match="unknown placeholder"):
        placeholders_in({"a": "{{ steps.s1 }}"})


def test_placeholders_in_lists_references():
    found = placeholders_in(["{{ params.a }}", "x {{ steps.b.result }}"])
    assert [(p.kind, p.name) for p in found] == [("params", "a"), ("steps", "b")]
