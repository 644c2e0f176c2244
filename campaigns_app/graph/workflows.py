"""Workflow steps (a step that runs another campaign), ``for_each`` fan-out and the placeholders of a step.

Pure Python: what the validator needs to know about a child campaign comes
from a ``resolve`` callable that the service layer builds from the database
and the saving user's rights.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from .dag import Dag
from .errors import FaultCollector, GraphFault
from .parameters import parameter_value_error
from .templating import PLACEHOLDER_PATTERN, TemplateError, placeholders_in

DEFAULT_MAX_DEPTH = 8
DEFAULT_MAX_ITEMS = 10000


@dataclass(frozen=True)
class ChildCampaign:
    """A campaign a workflow step may run, at the version it pins."""

    id: int
    name: str
    version: int
    parameters: tuple[dict, ...] = ()
    # (step id, child campaign id, version) of the workflow steps in that version, for the recursion check.
    calls: tuple[tuple[str, int, int], ...] = ()


# resolve(campaign reference, version or None) -> ChildCampaign, or the message saying why not.
ChildResolver = Callable[[Any, Any], "ChildCampaign | str"]


@dataclass(frozen=True)
class WorkflowLimits:
    max_depth: int = DEFAULT_MAX_DEPTH
    max_items: int = DEFAULT_MAX_ITEMS
    # The campaign being saved (None for a new one, which nothing can call yet).
    campaign_id: int | None = None
    campaign_name: str = "this campaign"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def normalize_workflow_fields(
    raw: Mapping, step: dict, faults: list[GraphFault], resolve: ChildResolver | None
) -> ChildCampaign | None:
    """Fill ``campaign``, ``version`` and ``parameters`` of a workflow step; the child it runs, if it resolves."""
    out = FaultCollector(faults)
    sid = step["id"]
    step["campaign"] = raw.get("campaign")
    step["version"] = raw.get("version")
    parameters = raw.get("parameters") if raw.get("parameters") is not None else {}
    step["parameters"] = parameters
    if not isinstance(parameters, Mapping):
        out.add(f"step {sid!r}: parameters must be an object of name: value", step=sid)
        parameters = {}
    if raw.get("campaign") is None:
        out.add(f"step {sid!r}: a workflow step needs the campaign it runs", step=sid)
        return None
    if raw.get("version") is not None and (not _is_int(raw["version"]) or raw["version"] < 1):
        out.add(f"step {sid!r}: version must be a positive integer, or left out for the current one", step=sid)
        return None
    if resolve is None:
        out.add(f"step {sid!r}: workflow steps cannot be checked here", step=sid)
        return None
    child = resolve(raw["campaign"], raw.get("version"))
    if isinstance(child, str):
        out.add(f"step {sid!r}: {child}", step=sid)
        return None
    step["campaign"], step["version"] = child.id, child.version
    _parameters_check(sid, child, parameters, out)
    return child


def _parameters_check(sid: str, child: ChildCampaign, given: Mapping, out: FaultCollector) -> None:
    declared = {p["name"]: p for p in child.parameters}
    label = f"campaign {child.name!r} v{child.version}"
    for name in given:
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            out.add(f"step {sid!r}: {label} has no parameter {name!r} (declared: {known})", step=sid)
    for name, spec in declared.items():
        if name not in given:
            if spec.get("required") and spec.get("default") is None:
                out.add(f"step {sid!r}: {label} needs parameter {name!r}", step=sid)
            continue
        value = given[name]
        if isinstance(value, str) and PLACEHOLDER_PATTERN.search(value):
            continue  # rendered at run time, checked against the declaration then
        if spec["type"] == "json":
            continue
        problem = parameter_value_error(spec, value)
        if problem:
            out.add(f"step {sid!r}: parameter {name!r} of {label} {problem}", step=sid)


def normalize_fan_out(raw: Mapping, step: dict, faults: list[GraphFault], *, max_items: int) -> None:
    """``for_each`` (a list, or one placeholder that renders to one) and ``max_parallel`` of any step."""
    out = FaultCollector(faults)
    sid = step["id"]
    if "for_each" in raw and raw["for_each"] is not None:
        value = raw["for_each"]
        if isinstance(value, list):
            if len(value) > max_items:
                out.add(f"step {sid!r}: for_each has {len(value)} items, over the limit of {max_items}", step=sid)
        elif not (isinstance(value, str) and PLACEHOLDER_PATTERN.fullmatch(value.strip())):
            out.add(
                f"step {sid!r}: for_each must be a list, or one placeholder such as "
                '"{{ steps.ID.result.files }}" that gives a list',
                step=sid,
            )
        step["for_each"] = value.strip() if isinstance(value, str) else value
    if raw.get("max_parallel") is not None:
        value = raw["max_parallel"]
        if "for_each" not in step:
            out.add(f"step {sid!r}: max_parallel limits the items of a for_each; this step has none", step=sid)
        elif not _is_int(value) or value < 1:
            out.add(f"step {sid!r}: max_parallel must be a positive integer or null", step=sid)
        step["max_parallel"] = value


def templated_fields(step: Mapping) -> dict[str, Any]:
    """The parts of a step that may hold placeholders, by field name."""
    kind = step.get("kind")
    fields: dict[str, Any] = {}
    if kind == "function":
        fields["kwargs"] = step.get("kwargs")
    elif kind == "executable":
        fields["argv"] = step.get("argv")
        fields["env"] = step.get("env")
    elif kind == "workflow":
        fields["parameters"] = step.get("parameters")
    if isinstance(step.get("for_each"), str):
        fields["for_each"] = step["for_each"]
    return fields


def step_result_references(step: Mapping) -> set[str]:
    """Ids of the steps whose results a step's placeholders read."""
    found: set[str] = set()
    for value in templated_fields(step).values():
        try:
            found |= {p.name for p in placeholders_in(value) if p.kind == "steps"}
        except TemplateError:
            continue
    return found


def step_placeholder_faults(
    step: Mapping, dag: Dag, ids: Collection[str], parameters: Mapping[str, Mapping]
) -> list[GraphFault]:
    """What a step's placeholders name that the run could never give it."""
    faults = FaultCollector()
    sid = step["id"]
    for field_name, value in templated_fields(step).items():
        try:
            found = placeholders_in(value)
        except TemplateError as exc:
            faults.add(f"step {sid!r}: {field_name}: {exc}", step=sid)
            continue
        for ph in found:
            if ph.kind == "params":
                spec = parameters.get(ph.name)
                if spec is None:
                    faults.add(f"step {sid!r}: {ph.text} names undeclared parameter {ph.name!r}", step=sid)
                elif ph.path and spec.get("type") != "json":
                    faults.add(
                        f"step {sid!r}: {ph.text}: parameter {ph.name!r} is a {spec.get('type')}, and "
                        "only json parameters have keys",
                        step=sid,
                    )
            elif ph.kind == "steps" and not dag.is_ancestor(ph.name, sid):
                reason = "unknown step" if ph.name not in ids else "not an upstream step"
                faults.add(f"step {sid!r}: {ph.text} refers to {ph.name!r}, {reason}", step=sid)
            elif ph.kind in ("item", "index"):
                if field_name == "for_each":
                    faults.add(
                        f"step {sid!r}: for_each cannot use {ph.text}: items exist only once it is rendered", step=sid
                    )
                elif "for_each" not in step:
                    faults.add(f"step {sid!r}: {ph.text} is only bound in a step with for_each", step=sid)
    return faults.faults


def recursion_faults(
    children: Mapping[str, ChildCampaign], resolve: ChildResolver, limits: WorkflowLimits
) -> list[GraphFault]:
    """A campaign calling itself through any path, or workflows nested deeper than ``limits.max_depth``.

    ``children`` are the workflow steps of the definition being saved, by step
    id; the children's own workflow steps are followed at the versions they pin.
    """
    faults: list[GraphFault] = []
    memo: dict[tuple[int, int], ChildCampaign | str] = {}

    def child_of(campaign: int, version: int) -> ChildCampaign | str:
        key = (campaign, version)
        if key not in memo:
            memo[key] = resolve(campaign, version)
        return memo[key]

    root = limits.campaign_name
    for sid, child in children.items():
        # Depth first along every path; a path is (names, campaign ids) from the saved campaign down.
        stack: list[tuple[ChildCampaign, list[str], list[int]]] = [
            (child, [root, f"{child.name} (step {sid})"], [child.id])
        ]
        reported = False
        while stack and not reported:
            node, names, seen = stack.pop()
            if limits.campaign_id is not None and node.id == limits.campaign_id:
                faults.append(
                    GraphFault(
                        f"step {sid!r}: {root!r} would call itself: {' -> '.join(names)}", step=sid, path=tuple(names)
                    )
                )
                reported = True
                break
            if len(seen) > limits.max_depth:
                faults.append(
                    GraphFault(
                        f"step {sid!r}: workflows nest {len(seen)} deep, over the limit of {limits.max_depth}: "
                        f"{' -> '.join(names)}",
                        step=sid,
                        path=tuple(names),
                    )
                )
                reported = True
                break
            for call_step, campaign, version in node.calls:
                nested = child_of(campaign, version)
                if isinstance(nested, str):
                    continue  # the child's own save checked it; a vanished grandchild fails at run time
                if nested.id in seen:
                    chain = [*names, f"{nested.name} (step {call_step})"]
                    faults.append(
                        GraphFault(
                            f"step {sid!r}: campaign {nested.name!r} calls itself: {' -> '.join(chain)}",
                            step=sid,
                            path=tuple(chain),
                        )
                    )
                    reported = True
                    break
                stack.append((nested, [*names, f"{nested.name} (step {call_step})"], [*seen, nested.id]))
    return faults
