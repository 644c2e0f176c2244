"""A campaign definition as a runnable radical.asyncflow script (pure Python, no Django).

Each step becomes a task of ``WorkflowEngine``: function steps a
``@flow.function_task``, executable steps a ``@flow.executable_task`` (a
function task that runs the command itself when it needs what an executable
task cannot give: upstream results in argv, env, cwd or a timeout).
Dependencies are passed as arguments, as asyncflow expects; steps sharing a
``block`` value become one ``@flow.block`` when grouping them keeps the graph
acyclic.  A workflow step becomes a ``@flow.block`` running its child
campaign's steps as tasks, and a ``for_each`` runs the step once per item.
The runtime every script carries is in ``runtime.py``.

asyncflow 0.6.0 calls an executable task's body when the task is *created*,
with its arguments still unresolved futures, so such a body can only use
parameters; and it resolves a block's arguments to values before calling it.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..dag import Dag, find_cycle
from ..workflows import step_result_references
from .runtime import BUILTIN_SOURCE, CHILD_RUNTIME, RUNTIME


@dataclass(frozen=True)
class ExportFunction:
    """How the script calls a step function: a built-in copied in, or ``module:qualname`` imported."""

    name: str
    module: str = ""
    qualname: str = ""
    builtin: bool = False
    wants_context: bool = False
    wants_inputs: bool = False


def _ident(text: str, taken: set[str]) -> str:
    base = re.sub(r"\W", "_", text)
    if not base or base[0].isdigit() or keyword.iskeyword(base):
        base = f"_{base}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _py(value) -> str:
    """A Python literal for a JSON value (true/false/null spelled the Python way)."""
    return repr(json.loads(json.dumps(value)))


def _step_references(step: dict) -> set[str]:
    return step_result_references(step)


def child_key(step: Mapping) -> str:
    """How the script names the campaign version a workflow step runs."""
    campaign = step["campaign"]["id"] if isinstance(step["campaign"], Mapping) else step["campaign"]
    return f"{campaign}v{step['version']}"


def _step_spec(step: dict, dag: Dag, order: list[str]) -> dict:
    """A step as the script's runtime reads it."""
    spec = {
        key: step.get(key)
        for key in (
            "name",
            "kind",
            "function",
            "kwargs",
            "argv",
            "env",
            "cwd",
            "parameters",
            "for_each",
            "max_parallel",
        )
        if step.get(key) is not None
    }
    if step["kind"] == "workflow":
        spec["child"] = child_key(step)
    wanted = set(dag.predecessors[step["id"]]) | _step_references(step)
    spec.update(
        retries=step.get("retries", 0),
        retry_delay_s=step.get("retry_delay_s", 0),
        timeout_s=step.get("timeout_s"),
        predecessors=list(dag.predecessors[step["id"]]),
        needs=[s for s in order if s in wanted],
    )
    return spec


def _functions_used(graph: Mapping, children: Mapping[str, Mapping]) -> list[str]:
    names = {s["function"] for s in graph["steps"] if s["kind"] == "function"}
    for child in children.values():
        names |= {s["function"] for s in child["graph"]["steps"] if s["kind"] == "function"}
    return sorted(names)


def _blocks(steps: list[dict], dag: Dag) -> dict[str, list[str]]:
    """Block name → member step ids, or {} when grouping would make a cycle between groups."""
    members: dict[str, list[str]] = {}
    for step in steps:
        if isinstance(step.get("block"), str) and step["block"].strip():
            members.setdefault(step["block"].strip(), []).append(step["id"])
    if not members:
        return {}
    group = {sid: f"block:{name}" for name, ids in members.items() for sid in ids}
    nodes = sorted({group.get(s["id"], s["id"]) for s in steps})
    successors: dict[str, list[str]] = {n: [] for n in nodes}
    for source, targets in dag.successors.items():
        for target in targets:
            a, b = group.get(source, source), group.get(target, target)
            if a != b and b not in successors[a]:
                successors[a].append(b)
    return {} if find_cycle(nodes, successors) else members


def asyncflow_script(
    document: Mapping, functions: Mapping[str, ExportFunction], children: Mapping[str, Mapping] | None = None
) -> str:
    """The Python source of a script that runs the campaign with radical.asyncflow.

    ``children`` holds the definition (name, parameters, graph) of every
    campaign version a workflow step runs, at any depth, by ``child_key``.
    Each workflow step becomes a ``@flow.block`` that runs its child's steps
    as tasks (a nested workflow step as a nested block).
    """
    children = children or {}
    steps = list(document["graph"]["steps"])
    by_id = {s["id"]: s for s in steps}
    dag = Dag.from_graph(document["graph"])
    order = dag.topological_order()
    blocks = _blocks(steps, dag)
    block_of = {sid: name for name, ids in blocks.items() for sid in ids}

    taken = {
        "main",
        "flow",
        "params",
        "log",
        "render",
        "run_function",
        "run_command",
        "stdout_result",
        "run_workflow",
        "run_child",
        "child_task",
        "child_block",
        "report_command",
        "child_parameters",
    }
    fn_name = {sid: _ident(f"step_{sid}", taken) for sid in order}
    out_name = {sid: _ident(f"{sid}_result", taken) for sid in order}
    block_fn = {name: _ident(f"block_{name}", taken) for name in blocks}
    block_out = {name: _ident(f"{name}_results", taken) for name in blocks}
    block_params_of: dict[str, list[str]] = {}

    def needs(sid: str) -> list[str]:
        """Steps whose results this step receives: its predecessors and the ancestors it names."""
        wanted = set(dag.predecessors[sid]) | _step_references(by_id[sid])
        return [s for s in order if s in wanted]

    used = _functions_used(document["graph"], children)
    lines: list[str] = []
    title = document.get("name") or "campaign"
    description = (document.get("description") or "").strip()
    lines += ["#!/usr/bin/env python3", f'"""{_doc(title)}: a campaign exported from AsyncFlow Studio.', ""]
    if description:
        lines += [_doc(description), ""]
    lines += [
        "Run it where radical.asyncflow is installed:",
        "",
        "    python this_script.py [--param NAME=VALUE ...]",
        "",
        "Each step prints when it starts (an executable when it is submitted) and how it ends, with its",
        "result.",
        '"""',
        "",
        "import argparse",
        "import asyncio",
        "import json",
        "import os",
        "import re",
        "import shlex",
        "import threading",
        "import time",
        "",
    ]
    imports = sorted(
        {(functions[f].module, functions[f].qualname, f) for f in used if f in functions and not functions[f].builtin}
    )
    for module, qualname, name in imports:
        lines.append(f"from {module} import {qualname.split('.')[0]} as fn_{_ident(name, set())}")
    lines += ["from radical.asyncflow import LocalExecutionBackend, WorkflowEngine", "", ""]
    lines.append(f"PARAMETERS = {_py(document.get('parameters') or [])}")
    lines += ["", "# Each step as the studio stores it, with its dependencies.", "STEPS = {"]
    for sid in order:
        lines.append(f"    {sid!r}: {_py(_step_spec(by_id[sid], dag, order))},")
    lines += ["}", "", "# The campaigns that workflow steps run, at the versions they pin.", "CAMPAIGNS = {"]
    for key, child in sorted(children.items()):
        child_dag = Dag.from_graph(child["graph"])
        child_order = child_dag.topological_order()
        child_steps = {s["id"]: s for s in child["graph"]["steps"]}
        entry = {
            "name": child.get("name", key),
            "parameters": child.get("parameters") or [],
            "order": child_order,
            "steps": {sid: _step_spec(child_steps[sid], child_dag, child_order) for sid in child_order},
        }
        lines.append(f"    {key!r}: {_py(entry)},")
    lines += ["}", RUNTIME.rstrip(), "", ""]
    for name in used:
        fn = functions.get(name)
        if fn is not None and fn.builtin and name in BUILTIN_SOURCE:
            lines += [BUILTIN_SOURCE[name], "", ""]
    lines.append("FUNCTIONS = {")
    for name in used:
        fn = functions.get(name) or ExportFunction(name=name)
        wants = [
            w for w, on in (("context", fn.wants_context), ("inputs", fn.wants_inputs), ("attempt", fn.builtin)) if on
        ]
        target = f"fn_{name}" if fn.builtin else f"fn_{_ident(name, set())}"
        if fn.qualname and "." in fn.qualname and not fn.builtin:
            target = f"fn_{_ident(name, set())}.{fn.qualname.split('.', 1)[1]}"
        lines.append(f"    {name!r}: ({target}, {tuple(wants)!r}),")
    lines += ["}", "", ""]

    lines += ["async def main(params):", "    flow = await WorkflowEngine.create(backend=LocalExecutionBackend())"]
    if children:
        lines += CHILD_RUNTIME.rstrip("\n").split("\n")
    lines.append("")

    def params_of(sid: str) -> list[tuple[str, list[str]]]:
        """A step's arguments: one per upstream step, or one per upstream block (its results dict)."""
        out: dict[str, list[str]] = {}
        for d in needs(sid):
            block = block_of.get(d)
            param = block_out[block] if block is not None and block != block_of.get(sid) else out_name[d]
            out.setdefault(param, []).append(d)
        return list(out.items())

    def plain_command(step: dict) -> bool:
        return (
            step["kind"] == "executable"
            and not _step_references(step)
            and not step.get("env")
            and not step.get("cwd")
            and not step.get("timeout_s")
            and not step.get("retries")
            and step.get("for_each") is None
        )

    def create(sid: str, refs: str) -> str:
        call = f"{fn_name[sid]}({refs})"
        return f"report_command({sid!r}, {call})" if plain_command(by_id[sid]) else call

    def results_expr(sid: str) -> str:
        entries = []
        for param, deps in params_of(sid):
            for d in deps:
                value = param if param == out_name[d] else f"{param}[{d!r}]"
                # An executable task's result is its stdout; the studio's result is its last line as JSON.
                entries.append(f"{d!r}: stdout_result({value})" if plain_command(by_id[d]) else f"{d!r}: {value}")
        return "{" + ", ".join(entries) + "}"

    for sid in order:
        step = by_id[sid]
        args = ", ".join(p for p, _ in params_of(sid))
        doc = f'        """{_doc(step.get("name") or sid)}"""'
        if plain_command(step):
            # shell=False: the backend runs argv as given instead of re-joining it for /bin/sh.
            exec_args = ", ".join([*(p for p, _ in params_of(sid)), 'task_description={"shell": False}'])
            lines += [
                "    @flow.executable_task",
                f"    async def {fn_name[sid]}({exec_args}):",
                doc,
                "        # Called when the task is created, before its inputs exist: only parameters are known.",
                f"        log({sid!r}, 'submitted')",
                f"        return shlex.join(render(STEPS[{sid!r}]['argv'], params, {{}}))",
                "",
            ]
        elif step["kind"] == "workflow":
            lines += [
                "    @flow.block",
                f"    async def {fn_name[sid]}({args}):",
                doc,
                f"        return await run_workflow({sid!r}, STEPS[{sid!r}], params, {results_expr(sid)}, run_child)",
                "",
            ]
        else:
            runner = "run_function" if step["kind"] == "function" else "run_command"
            lines += [
                "    @flow.function_task",
                f"    async def {fn_name[sid]}({args}):",
                doc,
                f"        return await {runner}({sid!r}, STEPS[{sid!r}], params, {results_expr(sid)})",
                "",
            ]

    for name, members in blocks.items():
        block_params: list[str] = []
        for sid in members:
            for param, deps in params_of(sid):
                if any(block_of.get(d) != name for d in deps) and param not in block_params:
                    block_params.append(param)
        lines += [
            "    @flow.block",
            f"    async def {block_fn[name]}({', '.join(block_params)}):",
            f'        """Block {_doc(name)}: {", ".join(members)}."""',
        ]
        for sid in [s for s in order if s in members]:
            refs = [
                f"f_{param}" if all(block_of.get(d) == name for d in deps) else param for param, deps in params_of(sid)
            ]
            lines.append(f"        f_{out_name[sid]} = {create(sid, ', '.join(refs))}")
        member_results = ", ".join(f"{sid!r}: await f_{out_name[sid]}" for sid in members)
        lines += [f"        return {{{member_results}}}", ""]
        block_params_of[name] = block_params

    lines.append("    # Dependencies are passed as arguments: a task starts once the tasks it takes have finished.")
    emitted: set[str] = set()
    for sid in order:
        block = block_of.get(sid)
        if block is not None:
            if block not in emitted:
                emitted.add(block)
                block_args = ", ".join(f"f_{p}" for p in block_params_of[block])
                lines.append(f"    f_{block_out[block]} = {block_fn[block]}({block_args})")
            continue
        step_args = ", ".join(f"f_{p}" for p, _ in params_of(sid))
        lines.append(f"    f_{out_name[sid]} = {create(sid, step_args)}")
    finals = [f"f_{block_out[b]}" for b in blocks] + [f"f_{out_name[s]}" for s in order if s not in block_of]
    lines += [
        "",
        "    try:",
        f"        await asyncio.gather({', '.join(finals)})",
        "    finally:",
        "        await flow.shutdown()",
        "",
        "",
        'if __name__ == "__main__":',
        "    asyncio.run(main(parse_parameters()))",
        "",
    ]
    return "\n".join(lines)


def _doc(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace('"""', "'''")
