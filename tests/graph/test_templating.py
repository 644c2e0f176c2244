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
        "echo",
        "0.5",
        "B",
    ]


def test_nested_values_are_rendered():
    out = render_value({"a": ["{{ params.x }}", {"b": "{{ params.x }}!"}]}, {"x": 1}, {})
    assert out == {"a": [1, {"b": "1!"}]}


def test_malformed_placeholders_are_named():
    with pytest.raises(TemplateError, match="unknown placeholder"):
        placeholders_in({"a": "{{ steps.s1 }}"})


def test_placeholders_in_lists_references():
    found = placeholders_in(["{{ params.a }}", "x {{ steps.b.result }}"])
    assert [(p.kind, p.name) for p in found] == [("params", "a"), ("steps", "b")]


def test_result_paths_reach_into_objects_and_lists():
    results = {"prep": {"files": [{"name": "a.dat", "size": 3}], "seconds": 0.2}}
    assert render_value("{{ steps.prep.result.files[0].name }}", {}, results) == "a.dat"
    assert render_value({"s": "{{ steps.prep.result.seconds }}"}, {}, results) == {"s": 0.2}
    assert render_value("n={{ params.cfg.n }}", {"cfg": {"n": 4}}, {}) == "n=4"


def test_item_and_index_are_bound_by_the_caller():
    bindings = {"item": {"key": "x", "tags": ["t0"]}, "index": 3}
    assert render_value(["{{ item.key }}", "{{ index }}", "{{ item.tags[0] }}-{{ index }}"], {}, {}, bindings) == [
        "x",
        3,
        "t0-3",
    ]
    with pytest.raises(TemplateError, match="only bound in a step with for_each"):
        render_value("{{ item }}", {}, {})


def test_a_missing_key_names_the_path_and_the_keys_there():
    results = {"prep": {"files": [{"name": "a.dat", "size": 3}]}}
    with pytest.raises(TemplateError) as missing:
        render_value("{{ steps.prep.result.files[0].nme }}", {}, results)
    assert str(missing.value) == "steps.prep.result.files[0] has no key 'nme' (its keys: name, size)"
    with pytest.raises(
        TemplateError,
        match=r"steps.prep.result.files\[5\] is out of range: "
        r"steps.prep.result.files has 1 item",
    ):
        render_value("{{ steps.prep.result.files[5] }}", {}, results)
    with pytest.raises(TemplateError, match="steps.prep.result.files is a list, not an object: .name"):
        render_value("{{ steps.prep.result.files.name }}", {}, results)


def test_an_unterminated_placeholder_is_refused():
    with pytest.raises(TemplateError, match="unterminated placeholder '{{ params.x'"):
        placeholders_in({"a": "hello {{ params.x"})
    with pytest.raises(TemplateError, match="unterminated"):
        placeholders_in(["{{ params.a }} and {{ params.b"])


def test_placeholders_carry_their_path():
    [ph] = placeholders_in("{{ steps.s1.result.files[2].name }}")
    assert (ph.kind, ph.name, ph.path) == ("steps", "s1", ("files", 2, "name"))
