"""What an executable step may ask of the machine, checked at save (and again before it runs).

A step's ``env`` goes over a fixed safe base; names that change which code
runs (``PATH``, the loader's ``LD_*``, the interpreter's ``PYTHON*``) are
refused unless the site allows them.  ``cwd`` names a folder inside the
attempt's own fresh working directory, so it is relative and never climbs out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from .errors import GraphFault

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_ENV_ENTRIES = 200


@dataclass(frozen=True)
class ExecutableRules:
    """Site settings the checks depend on (``STUDIO_STEP_ENV_ALLOW_UNSAFE``)."""

    allow_unsafe_env: bool = False


DEFAULT_RULES = ExecutableRules()


def unsafe_env_name(name: str) -> bool:
    """Whether setting ``name`` could change which program or library a step runs."""
    upper = name.upper()
    return upper == "PATH" or upper.startswith(("LD_", "PYTHON"))


def env_problems(env: Any, rules: ExecutableRules = DEFAULT_RULES) -> list[str]:
    """Why ``env`` cannot be a step's environment (empty when it can)."""
    if not isinstance(env, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        return ["env must map names to strings"]
    problems = []
    if len(env) > MAX_ENV_ENTRIES:
        problems.append(f"env has {len(env)} variables, at most {MAX_ENV_ENTRIES}")
    for name, value in env.items():
        if not ENV_NAME.match(name):
            problems.append(f"env variable {name!r} is not a valid name (letters, digits, _)")
        elif "\0" in value:
            problems.append(f"env variable {name} contains a NUL character")
        elif unsafe_env_name(name) and not rules.allow_unsafe_env:
            problems.append(
                f"env variable {name} may not be set: PATH, LD_* and PYTHON* change which code runs "
                f"(a site admin can allow them with STUDIO_STEP_ENV_ALLOW_UNSAFE=1)"
            )
    return problems


def cwd_problem(cwd: Any) -> str | None:
    """Why ``cwd`` cannot name a folder inside the step's working directory, or None."""
    if cwd is None:
        return None
    if not isinstance(cwd, str):
        return "cwd must be a string"
    if "\0" in cwd:
        return "cwd contains a NUL character"
    path = PurePosixPath(cwd)
    if path.is_absolute() or cwd.startswith("~"):
        return (
            f"cwd {cwd!r} must be a relative path inside the step's own working directory "
            f"(each attempt gets a fresh one)"
        )
    if ".." in path.parts:
        return f"cwd {cwd!r} may not contain '..': it must stay inside the step's working directory"
    return None


def executable_faults(step_id: str, *, env: Any, cwd: Any, rules: ExecutableRules = DEFAULT_RULES) -> list[GraphFault]:
    """Every fault of an executable step's ``env`` and ``cwd``, each naming the step."""
    problems = env_problems(env, rules)
    problem = cwd_problem(cwd)
    if problem:
        problems.append(problem)
    return [GraphFault(f"step {step_id!r}: {p}", step=step_id) for p in problems]
