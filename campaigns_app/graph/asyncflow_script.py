"""A campaign definition as a runnable radical.asyncflow script (pure Python, no Django).

Each step becomes a task of ``WorkflowEngine``: function steps a
``@flow.function_task``, executable steps a ``@flow.executable_task`` (a
function task that runs the command itself when it needs what an executable
task cannot give: upstream results in argv, env, cwd or a timeout).
Dependencies are passed as arguments, as asyncflow expects; steps sharing a
``block`` value become one ``@flow.block`` when grouping them keeps the graph
acyclic.

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

from .dag import Dag, find_cycle
from .templating import placeholders_in


@dataclass(frozen=True)
class ExportFunction:
    """How the script calls a step function: a built-in copied in, or ``module:qualname`` imported."""

    name: str
    module: str = ""
    qualname: str = ""
    builtin: bool = False
    wants_context: bool = False
    wants_inputs: bool = False


BUILTIN_SOURCE = {
    "sleep": '''async def fn_sleep(seconds, *, attempt=1):
    """Wait for the given number of seconds and return it."""
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    await asyncio.sleep(seconds)
    return seconds''',
    "echo": '''async def fn_echo(*, attempt=1, **kwargs):
    """Return its keyword arguments unchanged."""
    return kwargs''',
    "noop": '''async def fn_noop(*, attempt=1):
    """Do nothing and succeed."""
    return None''',
    "fail": '''async def fn_fail(message="failed on purpose", times=None, *, attempt=1):
    """Raise an error on the first `times` attempts (on every attempt when null), then succeed."""
    if times is None or attempt <= times:
        raise RuntimeError(message)
    return f"succeeded on attempt {attempt}"''',
}

RUNTIME = r'''
T0 = time.monotonic()
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
_REFERENCE = re.compile(
    r"^\s*(?:params\.(?P<param>[A-Za-z_][A-Za-z0-9_]*)|steps\.(?P<step>[A-Za-z_][A-Za-z0-9_-]*)\.result)\s*$")


def log(step_id, event, detail=None):
    """One line per step event: `[   0.512s] s1: started`."""
    line = f"[{time.monotonic() - T0:8.3f}s] {step_id}: {event}"
    print(line if detail is None else f"{line} {json.dumps(detail, default=str)}", flush=True)


def _lookup(inner, params, results):
    match = _REFERENCE.match(inner)
    if match["param"]:
        return params[match["param"]]
    return results[match["step"]]


def _text(value):
    return value if isinstance(value, str) else json.dumps(value)


def render(value, params, results):
    """{{ params.NAME }} and {{ steps.ID.result }} as in the studio: a whole placeholder keeps its type."""
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole:
            return _lookup(whole.group(1), params, results)
        return _PLACEHOLDER.sub(lambda m: _text(_lookup(m.group(1), params, results)), value)
    if isinstance(value, dict):
        return {k: render(v, params, results) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, params, results) for v in value]
    return value


def stdout_result(stdout):
    """An executable's result, as in the studio: its last stdout line, parsed as JSON when it is JSON."""
    lines = [line for line in (stdout or "").splitlines() if line.strip()]
    if not lines:
        return None
    try:
        return json.loads(lines[-1])
    except ValueError:
        return lines[-1]


class StepContext:
    """What a studio step function may ask about itself."""

    def __init__(self, step_id, attempt):
        self.run_id, self.step_id, self.attempt = None, step_id, attempt
        self.cancelled = threading.Event()

    def check_cancelled(self):
        pass


async def _attempts(step_id, spec, call):
    log(step_id, "started")
    for attempt in range(1, spec["retries"] + 2):
        try:
            result = await asyncio.wait_for(call(attempt), spec["timeout_s"])
        except Exception as exc:  # noqa: BLE001 - reported, then retried or raised
            if attempt > spec["retries"]:
                log(step_id, "failed", f"{type(exc).__name__}: {exc}")
                raise
            log(step_id, f"attempt {attempt} failed, retrying", str(exc))
            await asyncio.sleep(spec["retry_delay_s"] or 0)
        else:
            log(step_id, "succeeded", result)
            return result


async def run_function(step_id, spec, params, results):
    """Call a function step with rendered kwargs, retries and timeout as the studio would."""
    function, wants = FUNCTIONS[spec["function"]]

    async def call(attempt):
        kwargs = render(spec["kwargs"], params, results)
        if "context" in wants:
            kwargs["context"] = StepContext(step_id, attempt)
        if "inputs" in wants:
            kwargs["inputs"] = {p: results.get(p) for p in spec["predecessors"]}
        if asyncio.iscoroutinefunction(function):
            return await function(**kwargs, attempt=attempt)
        return await asyncio.to_thread(function, **kwargs)

    return await _attempts(step_id, spec, call)


async def run_command(step_id, spec, params, results):
    """Run an executable step's command here (it needs upstream results, env, cwd or a timeout)."""

    async def call(attempt):
        argv = [_text(render(a, params, results)) for a in spec["argv"]]
        env = {**os.environ, **spec.get("env", {})}
        process = await asyncio.create_subprocess_exec(*argv, cwd=spec.get("cwd") or None, env=env,
                                                       stdout=asyncio.subprocess.PIPE,
                                                       stderr=asyncio.subprocess.PIPE)
        stdout, stderr = await process.communicate()
        if process.returncode:
            raise RuntimeError(f"exit code {process.returncode}: {stderr.decode(errors='replace')[-500:]}")
        return stdout_result(stdout.decode(errors="replace"))

    return await _attempts(step_id, spec, call)


def parse_parameters(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="set a campaign parameter (JSON values for numbers, booleans and json)")
    given = {}
    for item in parser.parse_args(argv).param:
        name, sep, raw = item.partition("=")
        declared = {p["name"]: p for p in PARAMETERS}
        if not sep or name not in declared:
            parser.error(f"--param {item!r}: expected NAME=VALUE with NAME one of {sorted(declared)}")
        kind = declared[name]["type"]
        try:
            value = raw if kind == "string" else json.loads(raw)
        except ValueError:
            value = raw
        if kind == "choice" and value not in declared[name].get("choices", []) and raw in declared[name]["choices"]:
            value = raw
        given[name] = value
    values = {}
    for spec in PARAMETERS:
        if spec["name"] in given:
            values[spec["name"]] = given[spec["name"]]
        elif spec.get("default") is not None:
            values[spec["name"]] = spec["default"]
        elif spec.get("required"):
            parser.error(f"parameter {spec['name']!r} is required: --param {spec['name']}=...")
        else:
            values[spec["name"]] = None
    return values
'''


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
    templated = step.get("kwargs") if step["kind"] == "function" else step.get("argv")
    return {p.name for p in placeholders_in(templated) if p.kind == "steps"}


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


def asyncflow_script(document: Mapping, functions: Mapping[str, ExportFunction]) -> str:
    """The Python source of a script that runs the campaign with radical.asyncflow."""
    steps = list(document["graph"]["steps"])
    by_id = {s["id"]: s for s in steps}
    dag = Dag.from_graph(document["graph"])
    order = dag.topological_order()
    blocks = _blocks(steps, dag)
    block_of = {sid: name for name, ids in blocks.items() for sid in ids}

    taken = {"main", "flow", "params", "log", "render", "run_function", "run_command", "stdout_result"}
    fn_name = {sid: _ident(f"step_{sid}", taken) for sid in order}
    out_name = {sid: _ident(f"{sid}_result", taken) for sid in order}
    block_fn = {name: _ident(f"block_{name}", taken) for name in blocks}
    block_out = {name: _ident(f"{name}_results", taken) for name in blocks}
    block_params_of: dict[str, list[str]] = {}

    def needs(sid: str) -> list[str]:
        """Steps whose results this step receives: its predecessors and the ancestors it names."""
        wanted = set(dag.predecessors[sid]) | _step_references(by_id[sid])
        return [s for s in order if s in wanted]

    used = sorted({s["function"] for s in steps if s["kind"] == "function"})
    lines: list[str] = []
    title = document.get("name") or "campaign"
    description = (document.get("description") or "").strip()
    lines += ['#!/usr/bin/env python3', f'"""{_doc(title)}: a campaign exported from AsyncFlow Studio.', '']
    if description:
        lines += [_doc(description), '']
    lines += ['Run it where radical.asyncflow is installed:', '',
              '    python this_script.py [--param NAME=VALUE ...]', '',
              'Each step prints when it starts and how it ends.', '"""', '',
              'import argparse', 'import asyncio', 'import json', 'import os', 'import re', 'import shlex',
              'import threading', 'import time', '']
    imports = sorted({(functions[f].module, functions[f].qualname, f) for f in used
                      if f in functions and not functions[f].builtin})
    for module, qualname, name in imports:
        lines.append(f"from {module} import {qualname.split('.')[0]} as fn_{_ident(name, set())}")
    lines += ['from radical.asyncflow import LocalExecutionBackend, WorkflowEngine', '', '']
    lines.append(f"PARAMETERS = {_py(document.get('parameters') or [])}")
    lines += ['', '# Each step as the studio stores it, with its dependencies.', 'STEPS = {']
    for sid in order:
        step = by_id[sid]
        spec = {key: step.get(key) for key in ("name", "kind", "function", "kwargs", "argv", "env", "cwd")
                if step.get(key) is not None}
        spec.update(retries=step.get("retries", 0), retry_delay_s=step.get("retry_delay_s", 0),
                    timeout_s=step.get("timeout_s"), predecessors=list(dag.predecessors[sid]))
        lines.append(f"    {sid!r}: {_py(spec)},")
    lines += ['}', RUNTIME.rstrip(), '', '']
    for name in used:
        fn = functions.get(name)
        if fn is not None and fn.builtin and name in BUILTIN_SOURCE:
            lines += [BUILTIN_SOURCE[name], '', '']
    lines.append('FUNCTIONS = {')
    for name in used:
        fn = functions.get(name) or ExportFunction(name=name)
        wants = [w for w, on in (("context", fn.wants_context), ("inputs", fn.wants_inputs)) if on]
        target = f"fn_{name}" if fn.builtin else f"fn_{_ident(name, set())}"
        if fn.qualname and "." in fn.qualname and not fn.builtin:
            target = f"fn_{_ident(name, set())}.{fn.qualname.split('.', 1)[1]}"
        lines.append(f"    {name!r}: ({target}, {tuple(wants)!r}),")
    lines += ['}', '', '']

    lines += ['async def main(params):', '    flow = await WorkflowEngine.create(backend=LocalExecutionBackend())', '']

    def params_of(sid: str) -> list[tuple[str, list[str]]]:
        """A step's arguments: one per upstream step, or one per upstream block (its results dict)."""
        out: dict[str, list[str]] = {}
        for d in needs(sid):
            block = block_of.get(d)
            param = block_out[block] if block is not None and block != block_of.get(sid) else out_name[d]
            out.setdefault(param, []).append(d)
        return list(out.items())

    def plain_command(step: dict) -> bool:
        return (step["kind"] == "executable" and not _step_references(step) and not step.get("env")
                and not step.get("cwd") and not step.get("timeout_s") and not step.get("retries"))

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
            lines += ["    @flow.executable_task", f"    async def {fn_name[sid]}({exec_args}):", doc,
                      "        # Called when the task is created, before its inputs exist: only parameters are known.",
                      f"        log({sid!r}, 'submitted')",
                      f"        return shlex.join(render(STEPS[{sid!r}]['argv'], params, {{}}))", ""]
        else:
            runner = "run_function" if step["kind"] == "function" else "run_command"
            lines += ["    @flow.function_task", f"    async def {fn_name[sid]}({args}):", doc,
                      f"        return await {runner}({sid!r}, STEPS[{sid!r}], params, {results_expr(sid)})", ""]

    for name, members in blocks.items():
        block_params: list[str] = []
        for sid in members:
            for param, deps in params_of(sid):
                if any(block_of.get(d) != name for d in deps) and param not in block_params:
                    block_params.append(param)
        lines += ["    @flow.block", f"    async def {block_fn[name]}({', '.join(block_params)}):",
                  f'        """Block {_doc(name)}: {", ".join(members)}."""']
        for sid in [s for s in order if s in members]:
            refs = [f"f_{param}" if all(block_of.get(d) == name for d in deps) else param
                    for param, deps in params_of(sid)]
            lines.append(f"        f_{out_name[sid]} = {fn_name[sid]}({', '.join(refs)})")
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
        lines.append(f"    f_{out_name[sid]} = {fn_name[sid]}({step_args})")
    finals = [f"f_{block_out[b]}" for b in blocks] + [f"f_{out_name[s]}" for s in order if s not in block_of]
    lines += ["", "    try:", f"        await asyncio.gather({', '.join(finals)})", "    finally:",
              "        await flow.shutdown()", "", "", 'if __name__ == "__main__":',
              "    asyncio.run(main(parse_parameters()))", ""]
    return "\n".join(lines)


def _doc(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace('"""', "'''")
