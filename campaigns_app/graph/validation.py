"""Validation and normalisation of a campaign definition (parameters + graph).

Every fault is collected, not just the first, and each names the step, edge
or parameter at fault.  The result of a successful validation is the
normalised definition with every optional field filled in, which is what gets
stored in an immutable campaign version.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from .blocks import expand_edges, normalize_blocks
from .dag import Dag, find_cycle
from .errors import FaultCollector, GraphError, GraphFault
from .executables import DEFAULT_RULES, ExecutableRules, executable_faults
from .kwargs import kwargs_errors
from .parameters import is_number, json_value_faults, normalize_parameters
from .resources import normalize_resources
from .workflows import (
    ChildCampaign,
    ChildResolver,
    WorkflowLimits,
    normalize_fan_out,
    normalize_workflow_fields,
    recursion_faults,
    step_placeholder_faults,
)

STEP_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
KINDS = ("function", "executable", "workflow")
STEP_FIELDS = {
    "id",
    "name",
    "kind",
    "function",
    "kwargs",
    "argv",
    "env",
    "cwd",
    "backend",
    "retries",
    "retry_delay_s",
    "timeout_s",
    "position",
    "block",
    "resources",
    "description",
    "campaign",
    "version",
    "parameters",
    "for_each",
    "max_parallel",
}


@dataclass(frozen=True)
class FunctionSignature:
    """What the validator needs to know about a registered step function."""

    name: str
    accepted: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    var_kwargs: bool = False
    # The function's JSON schema ({"properties", "required", "additionalProperties"}); None checks names only.
    schema: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)

    def kwargs_schema(self) -> Mapping[str, Any]:
        if self.schema is not None:
            return self.schema
        return {
            "properties": {name: {} for name in self.accepted},
            "required": sorted(self.required),
            "additionalProperties": self.var_kwargs,
        }


@dataclass(frozen=True)
class GraphLimits:
    """Size limits of one definition; the studio fills them from its settings (``STUDIO_MAX_*``)."""

    max_steps: int = 50_000
    #: bytes of one step's kwargs, argv or env as JSON
    max_value_bytes: int = 65_536
    #: nesting of lists and objects anywhere in the parameters or graph
    max_depth: int = 32


DEFAULT_LIMITS = GraphLimits()


def _value_too_big(step_id: str, key: str, value: Any, limits: GraphLimits, out: FaultCollector) -> None:
    size = len(json.dumps(value, ensure_ascii=False).encode())
    if size > limits.max_value_bytes:
        out.add(
            f"step {step_id!r}: {key} is {size} bytes as JSON, over the limit of {limits.max_value_bytes} "
            f"(STUDIO_MAX_KWARGS_BYTES)",
            step=step_id,
        )


def _normalize_step(
    raw: Any,
    index: int,
    out: FaultCollector,
    functions: Mapping[str, FunctionSignature],
    backends: Collection[str],
    workflows: _Workflows,
    rules: ExecutableRules = DEFAULT_RULES,
    limits: GraphLimits = DEFAULT_LIMITS,
) -> dict | None:
    if not isinstance(raw, Mapping):
        out.add(f"steps[{index}] must be an object")
        return None
    step_id = raw.get("id")
    if not isinstance(step_id, str) or not STEP_ID.match(step_id):
        out.add(
            f"steps[{index}]: id {step_id!r} must start with a letter or _ and use letters, digits, _ or -",
            step=step_id if isinstance(step_id, str) else None,
        )
        return None
    unknown = sorted(set(raw) - STEP_FIELDS)
    if unknown:
        out.add(f"step {step_id!r}: unknown field(s) {', '.join(unknown)}", step=step_id)
    name = raw.get("name")
    if name is None:
        name = step_id
    elif not isinstance(name, str):
        out.add(f"step {step_id!r}: name must be a string", step=step_id)
    elif not name.strip():
        # An absent name defaults to the id; a name cleared on purpose is a mistake to point out.
        out.add(f"step {step_id!r}: name may not be blank", step=step_id)
    step: dict[str, Any] = {"id": step_id, "name": name}
    kind = raw.get("kind")
    step["kind"] = kind
    if kind == "function":
        fn_name = raw.get("function")
        kwargs = raw.get("kwargs", {}) if raw.get("kwargs") is not None else {}
        step["function"] = fn_name
        step["kwargs"] = kwargs
        signature = functions.get(fn_name) if isinstance(fn_name, str) else None
        if signature is None or not isinstance(fn_name, str):
            out.add(
                f"step {step_id!r}: unknown function {fn_name!r} (registered: {', '.join(sorted(functions))})",
                step=step_id,
            )
        elif not isinstance(kwargs, Mapping):
            out.add(f"step {step_id!r}: kwargs must be an object", step=step_id)
        else:
            _value_too_big(step_id, "kwargs", kwargs, limits, out)
            for message in kwargs_errors(step_id, fn_name, kwargs, signature.kwargs_schema(), rendered=False):
                out.add(message, step=step_id)
    elif kind == "executable":
        argv = raw.get("argv")
        step["argv"] = argv
        if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
            out.add(f"step {step_id!r}: argv must be a non-empty list of strings", step=step_id)
        else:
            _value_too_big(step_id, "argv", argv, limits, out)
        env = raw.get("env") or {}
        if isinstance(env, Mapping):
            _value_too_big(step_id, "env", env, limits, out)
        cwd = raw.get("cwd")
        out.faults.extend(executable_faults(step_id, env=env, cwd=cwd, rules=rules))
        step["env"] = env
        step["cwd"] = cwd
    elif kind == "workflow":
        child = normalize_workflow_fields(raw, step, out.faults, workflows.resolve)
        if child is not None:
            workflows.children[step_id] = child
    else:
        out.add(f"step {step_id!r}: unknown kind {kind!r} (function, executable or workflow)", step=step_id)
    normalize_fan_out(raw, step, out.faults, max_items=workflows.limits.max_items)
    backend = raw.get("backend") or "thread"
    if not isinstance(backend, str) or backend not in backends:
        out.add(
            f"step {step_id!r}: unknown backend {backend!r} (available: {', '.join(sorted(backends))})", step=step_id
        )
    step["backend"] = backend
    retries = raw.get("retries", 0)
    if not isinstance(retries, int) or isinstance(retries, bool) or not 0 <= retries <= 100:
        out.add(f"step {step_id!r}: retries must be an integer from 0 to 100", step=step_id)
    step["retries"] = retries
    for key, default in (("retry_delay_s", 0), ("timeout_s", None)):
        value = raw.get(key, default)
        if value is not None and (not is_number(value) or value < 0 or (key == "timeout_s" and value == 0)):
            out.add(f"step {step_id!r}: {key} must be a positive number or null", step=step_id)
        step[key] = value
    position = raw.get("position")
    if position is not None:
        if not isinstance(position, Mapping) or not all(is_number(position.get(k)) for k in ("x", "y")):
            out.add(f"step {step_id!r}: position must be {{x, y}} numbers", step=step_id)
        else:
            step["position"] = {"x": position["x"], "y": position["y"]}
    resources, faults = normalize_resources(step_id, raw.get("resources"))
    out.faults.extend(faults)
    if resources:
        step["resources"] = resources
    for key in ("block", "description"):
        if raw.get(key) is not None:
            if not isinstance(raw[key], str):
                out.add(f"step {step_id!r}: {key} must be a string", step=step_id)
                continue
            step[key] = raw[key]
    return step


@dataclass
class _Workflows:
    resolve: ChildResolver | None
    limits: WorkflowLimits
    children: dict[str, ChildCampaign] = field(default_factory=dict)


def normalize_graph(
    graph: Any,
    *,
    functions: Mapping[str, FunctionSignature],
    backends: Collection[str],
    parameter_names: Collection[str] = (),
    parameters: Collection[Mapping] = (),
    resolve: ChildResolver | None = None,
    limits: WorkflowLimits | None = None,
    rules: ExecutableRules = DEFAULT_RULES,
    size_limits: GraphLimits = DEFAULT_LIMITS,
) -> dict:
    """Validate a graph and return it normalised; raise GraphError with every fault.

    ``resolve`` looks up the campaigns that workflow steps run (without it,
    workflow steps are refused); ``parameters`` are the declarations, for the
    placeholders that reach into json parameters. Linear in the size of the graph
    (``bench/validation.py``), so a big definition costs its size, no more.
    """
    out = FaultCollector()
    workflows = _Workflows(resolve, limits or WorkflowLimits())
    specs = {p["name"]: p for p in parameters if isinstance(p, Mapping) and isinstance(p.get("name"), str)}
    specs.update(
        {
            name: {"name": name, "type": "json"}
            for name in parameter_names
            if isinstance(name, str) and name not in specs
        }
    )
    if not isinstance(graph, Mapping):
        raise GraphError([GraphFault("graph must be an object with steps and edges")])
    raw_steps = graph.get("steps", [])
    raw_edges = graph.get("edges", [])
    if not isinstance(raw_steps, list):
        raise GraphError([GraphFault("graph.steps must be a list")])
    if not isinstance(raw_edges, list):
        raise GraphError([GraphFault("graph.edges must be a list")])
    if not raw_steps:
        out.add("a campaign needs at least one step")
    if len(raw_steps) > size_limits.max_steps:
        raise GraphError(
            [
                GraphFault(
                    f"a campaign holds at most {size_limits.max_steps} steps (STUDIO_MAX_STEPS); "
                    f"this one has {len(raw_steps)}"
                )
            ]
        )
    faults = json_value_faults(graph, where="graph", field="graph", max_depth=size_limits.max_depth)
    if faults:
        raise GraphError(faults)

    steps: list[dict] = []
    ids: set[str] = set()
    for index, raw in enumerate(raw_steps):
        step = _normalize_step(raw, index, out, functions, backends, workflows, rules, size_limits)
        if step is None:
            continue
        if step["id"] in ids:
            out.add(f"duplicate step id {step['id']!r}", step=step["id"])
            continue
        ids.add(step["id"])
        steps.append(step)

    blocks = normalize_blocks(graph.get("blocks"), ids, out.faults)
    block_ids = {b["id"] for b in blocks}
    for step in steps:
        if step.get("block") is not None and step["block"] not in block_ids:
            out.add(f"step {step['id']!r}: block {step['block']!r} is not declared in graph.blocks", step=step["id"])
    endpoints = ids | block_ids

    edges: list[dict] = []
    seen_edges: set[tuple[str, str]] = set()
    for index, raw in enumerate(raw_edges):
        if (
            not isinstance(raw, Mapping)
            or not isinstance(raw.get("source"), str)
            or not isinstance(raw.get("target"), str)
        ):
            out.add(f"edges[{index}] must be an object with string source and target")
            continue
        pair = (raw["source"], raw["target"])
        for end in pair:
            if end not in endpoints:
                out.add(f"edge {pair[0]} -> {pair[1]} names unknown step {end!r}", edge=pair)
        if pair[0] == pair[1]:
            out.add(f"step {pair[0]!r} cannot depend on itself", edge=pair, step=pair[0])
        if pair in seen_edges:
            out.add(f"edge {pair[0]} -> {pair[1]} is declared twice", edge=pair)
        seen_edges.add(pair)
        if pair[0] in endpoints and pair[1] in endpoints and pair[0] != pair[1]:
            edges.append({"source": pair[0], "target": pair[1]})

    normalized = {"steps": steps, "edges": edges}
    if blocks:
        normalized["blocks"] = blocks
    if out.faults:
        raise GraphError(out.faults)
    step_edges, block_faults = expand_edges(normalized)
    out.faults.extend(block_faults)
    successors: dict[str, list[str]] = {s: [] for s in ids}
    for source, target in step_edges:
        successors[source].append(target)
    cycle = find_cycle([s["id"] for s in steps], successors)
    if cycle:
        out.add(f"cycle: {' -> '.join(cycle)}", path=tuple(cycle))
    elif not out.faults:
        dag = Dag([s["id"] for s in steps], step_edges)
        for step in steps:
            out.faults.extend(step_placeholder_faults(step, dag, ids, specs))
    if workflows.children and workflows.resolve is not None:
        out.faults.extend(recursion_faults(workflows.children, workflows.resolve, workflows.limits))
    if out.faults:
        raise GraphError(out.faults)
    return normalized


def validate_campaign(
    *,
    parameters: Any,
    graph: Any,
    functions: Mapping[str, FunctionSignature],
    backends: Collection[str],
    resolve: ChildResolver | None = None,
    limits: WorkflowLimits | None = None,
    rules: ExecutableRules = DEFAULT_RULES,
    size_limits: GraphLimits = DEFAULT_LIMITS,
) -> tuple[list[dict], dict]:
    """Validate parameters and graph together; faults of both are reported at once."""
    faults: list[GraphFault] = json_value_faults(
        parameters, where="parameters", field="parameters", max_depth=size_limits.max_depth
    )
    if faults:
        raise GraphError(faults)
    normalized_params: list[dict] = []
    try:
        normalized_params = normalize_parameters(parameters)
    except GraphError as exc:
        faults.extend(exc.faults)
    names = (
        [p["name"] for p in normalized_params]
        if not faults
        else [
            p["name"]
            for p in (parameters if isinstance(parameters, list) else [])
            if isinstance(p, Mapping) and isinstance(p.get("name"), str)
        ]
    )
    try:
        normalized_graph = normalize_graph(
            graph,
            functions=functions,
            backends=backends,
            parameter_names=names,
            parameters=normalized_params,
            resolve=resolve,
            limits=limits,
            rules=rules,
            size_limits=size_limits,
        )
    except GraphError as exc:
        faults.extend(exc.faults)
    if faults:
        raise GraphError(faults)
    return normalized_params, normalized_graph
