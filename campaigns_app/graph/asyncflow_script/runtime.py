"""The code that every exported script carries: rendering, attempts, for_each, workflow steps."""

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
_LOG_LOCK = threading.Lock()
_PLACEHOLDER = re.compile(r"\{\{((?:(?!\{\{|\}\}).)*)\}\}", re.S)
_REFERENCE = re.compile(
    r"^\s*(?:params\.(?P<param>[A-Za-z_][A-Za-z0-9_]*)|steps\.(?P<step>[A-Za-z_][A-Za-z0-9_-]*)\.result"
    r"|(?P<item>item)|(?P<index>index))(?P<path>(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\])*)\s*$")
_SEGMENT = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]")


def log(step_id, event, detail=None):
    """One line per step event: `[   0.512s] s1: started`."""
    line = f"[{time.monotonic() - T0:8.3f}s] {step_id}: {event}"
    text = line if detail is None else f"{line} {json.dumps(detail, default=str)}"
    with _LOG_LOCK:  # tasks print from the engine's threads: one whole line at a time
        print(text + "\n", end="", flush=True)


def _lookup(inner, params, results, bindings):
    match = _REFERENCE.match(inner)
    if match["param"]:
        value = params[match["param"]]
    elif match["step"]:
        value = results[match["step"]]
    else:
        value = bindings["item" if match["item"] else "index"]
    for key, index in _SEGMENT.findall(match["path"]):
        value = value[key] if key else value[int(index)]
    return value


def _text(value):
    return value if isinstance(value, str) else json.dumps(value)


def render(value, params, results, bindings=None):
    """Placeholders as in the studio (paths, item, index): a whole placeholder keeps its type."""
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole:
            return _lookup(whole.group(1), params, results, bindings)
        return _PLACEHOLDER.sub(lambda m: _text(_lookup(m.group(1), params, results, bindings)), value)
    if isinstance(value, dict):
        return {k: render(v, params, results, bindings) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, params, results, bindings) for v in value]
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


async def _each_item(step_id, spec, params, results, one):
    """A for_each step: ``one(item, index)`` per item, at most max_parallel at once; results in item order."""
    items = spec["for_each"]
    if isinstance(items, str):
        items = render(items, params, results)
    if not isinstance(items, list):
        raise TypeError(f"for_each of step {step_id} gave a {type(items).__name__}, not a list")
    gate = asyncio.Semaphore(spec.get("max_parallel") or max(len(items), 1))

    async def guarded(index, item):
        async with gate:
            return await one(item, index)

    return list(await asyncio.gather(*(guarded(i, item) for i, item in enumerate(items))))


async def _run(step_id, spec, params, results, call):
    """One step, or one run per item of its for_each, each with its retries and timeout."""
    if spec.get("for_each") is None:
        return await _attempts(step_id, spec, lambda attempt: call(attempt, None))
    log(step_id, "started")
    try:
        out = await _each_item(step_id, spec, params, results, lambda item, index: _attempts(
            f"{step_id}[{index}]", spec, lambda attempt: call(attempt, {"item": item, "index": index})))
    except Exception as exc:  # noqa: BLE001 - reported, then raised
        log(step_id, "failed", f"{type(exc).__name__}: {exc}")
        raise
    log(step_id, "succeeded", out)
    return out


async def run_function(step_id, spec, params, results):
    """Call a function step with rendered kwargs, retries and timeout as the studio would."""
    function, wants = FUNCTIONS[spec["function"]]

    async def call(attempt, bindings):
        kwargs = render(spec["kwargs"], params, results, bindings)
        if "context" in wants:
            kwargs["context"] = StepContext(step_id, attempt)
        if "inputs" in wants:
            kwargs["inputs"] = {p: results.get(p) for p in spec["predecessors"]}
        if "attempt" in wants:
            kwargs["attempt"] = attempt
        if asyncio.iscoroutinefunction(function):
            return await function(**kwargs)
        return await asyncio.to_thread(function, **kwargs)

    return await _run(step_id, spec, params, results, call)


async def run_command(step_id, spec, params, results):
    """Run an executable step's command here (it needs upstream results, env, cwd, a timeout or items)."""

    async def call(attempt, bindings):
        argv = [_text(render(a, params, results, bindings)) for a in spec["argv"]]
        env = {**os.environ, **render(spec.get("env", {}), params, results, bindings)}
        process = await asyncio.create_subprocess_exec(*argv, cwd=spec.get("cwd") or None, env=env,
                                                       stdout=asyncio.subprocess.PIPE,
                                                       stderr=asyncio.subprocess.PIPE)
        stdout, stderr = await process.communicate()
        if process.returncode:
            raise RuntimeError(f"exit code {process.returncode}: {stderr.decode(errors='replace')[-500:]}")
        return stdout_result(stdout.decode(errors="replace"))

    return await _run(step_id, spec, params, results, call)


def report_command(step_id, future):
    """An executable task ends inside the engine: print its end and result when its future settles."""

    def done(f):
        if f.cancelled():
            log(step_id, "cancelled")
        elif f.exception() is not None:
            log(step_id, "failed", f"{type(f.exception()).__name__}: {f.exception()}")
        else:
            log(step_id, "succeeded", stdout_result(f.result()))

    future.add_done_callback(done)
    return future


def child_parameters(key, given):
    """A child campaign's launch values: those the workflow step gives, else the declared defaults."""
    values = {}
    for spec in CAMPAIGNS[key]["parameters"]:
        if spec["name"] in given:
            values[spec["name"]] = given[spec["name"]]
        elif spec.get("default") is not None:
            values[spec["name"]] = spec["default"]
        else:
            values[spec["name"]] = None
    return values


async def run_workflow(step_id, spec, params, results, run_child):
    """A workflow step: its child campaign's steps, once or per item; the result holds each child step's."""

    async def call(attempt, bindings):
        given = render(spec.get("parameters") or {}, params, results, bindings)
        path = step_id if bindings is None else f"{step_id}[{bindings['index']}]"
        return await run_child(spec["child"], child_parameters(spec["child"], given), path)

    return await _run(step_id, spec, params, results, call)


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


CHILD_RUNTIME = '''
    @flow.function_task
    async def child_task(key, sid, params, path, *upstream):
        """A step of a child campaign."""
        spec = CAMPAIGNS[key]["steps"][sid]
        runner = run_function if spec["kind"] == "function" else run_command
        return await runner(f"{path}/{sid}", spec, params, dict(zip(spec["needs"], upstream)))

    @flow.block
    async def child_block(key, sid, params, path, *upstream):
        """A workflow step of a child campaign: a block of its own child's steps."""
        spec = CAMPAIGNS[key]["steps"][sid]
        return await run_workflow(f"{path}/{sid}", spec, params, dict(zip(spec["needs"], upstream)), run_child)

    async def run_child(key, child_params, path):
        """The steps of a child campaign, each started once the steps it needs have finished."""
        futures = {}
        for sid in CAMPAIGNS[key]["order"]:
            spec = CAMPAIGNS[key]["steps"][sid]
            make = child_block if spec["kind"] == "workflow" else child_task
            futures[sid] = make(key, sid, child_params, path, *[futures[d] for d in spec["needs"]])
        return {sid: await future for sid, future in futures.items()}
'''
