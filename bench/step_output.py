"""A step printing one huge stdout line: the worker's peak memory and the time per attempt, beside the former reader.

    .venv/bin/python bench/step_output.py [--mb 100]

Each case runs in a fresh Python process (so its peak RSS, ``VmHWM``, is its
own): ``streamed`` is the thread backend's executable runner
(``backends/sandbox``: chunks, a bounded line, the supervisor); ``whole lines``
is the reader executables used before, kept here as the baseline: a text pipe
read line by line, the last line kept and JSON-encoded for the size check.
Also a tiny ``echo`` step on both, for the supervisor's cost per attempt.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CASE = r"""
import json, os, subprocess, sys, time
sys.path.insert(0, {repo!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asyncflow_site.settings")
os.environ["STUDIO_VAR_DIR"] = os.path.join({repo!r}, "var", "bench")
import django; django.setup()
from django.conf import settings

def hwm():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmHWM:"))

def whole_lines(argv):
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            start_new_session=True, text=True, errors="replace", bufsize=1)
    last = None
    for raw in proc.stdout:
        line = raw.rstrip("\n")
        if line.strip():
            last = line
    proc.wait()
    size = len(json.dumps(last).encode())
    return size > settings.STUDIO_MAX_RESULT_BYTES

def streamed(argv):
    from campaigns_app.backends.base import StepInvocation
    from campaigns_app.backends.sandbox import SandboxConfig, run_executable
    inv = StepInvocation(run_id=0, step_id="bench", attempt=1, kind="executable", argv=argv, log=lambda s, l: None)
    outcome = run_executable(inv, SandboxConfig.from_settings(settings),
                             max_result_bytes=settings.STUDIO_MAX_RESULT_BYTES)
    return not outcome.ok

run = {{"whole": whole_lines, "streamed": streamed}}[{case!r}]
run(["true"])  # imports and first start outside the figures
before = hwm()
started = time.perf_counter()
refused = run({argv!r})
elapsed = time.perf_counter() - started
print(json.dumps({{"grown": hwm() - before, "seconds": elapsed, "refused": refused}}))
"""


def measure(case: str, argv: list[str]) -> dict:
    code = CASE.format(repo=str(REPO), case=case, argv=argv)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100)
    args = parser.parse_args()
    huge = ["sh", "-c", f"head -c {args.mb * 1000 * 1000} /dev/zero | tr '\\0' x; echo"]
    tiny = ["echo", '{"ok": true}']
    print(f"one {args.mb} MB stdout line:")
    baseline, ours = measure("whole", huge), measure("streamed", huge)
    for name, figures in (("whole lines (before)", baseline), ("streamed", ours)):
        print(
            f"  {name:22} peak RSS +{figures['grown'] / 2**20:8.1f} MiB  {figures['seconds']:6.2f} s  "
            f"refused as too large: {figures['refused']}"
        )
    print(f"  memory ratio streamed / before: {ours['grown'] / max(baseline['grown'], 1):.3f}")
    small_base, small_ours = measure("whole", tiny), measure("streamed", tiny)
    print(
        f"a tiny step: before {small_base['seconds'] * 1000:.1f} ms, isolated {small_ours['seconds'] * 1000:.1f} ms "
        f"(ratio {small_ours['seconds'] / small_base['seconds']:.1f})"
    )


if __name__ == "__main__":
    main()
