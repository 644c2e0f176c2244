"""What an executable step may set is checked at save: env names that change which code runs, and cwd."""

import pytest

from campaigns_app.models import Campaign, CampaignVersion

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("alice_runs_commands")]


def exe(step_id="run", **fields):
    return {"id": step_id, "kind": "executable", "argv": ["python3", "-c", "print(1)"], **fields}


def save(api, *steps):
    return api.post("/api/campaigns/", {"name": "tool", "graph": {"steps": list(steps), "edges": []}}, format="json")


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"LD_PRELOAD": "/tmp/evil.so"}, "LD_PRELOAD"),
        ({"LD_LIBRARY_PATH": "/tmp"}, "LD_LIBRARY_PATH"),
        ({"PATH": "/tmp/bin:/usr/bin"}, "PATH"),
        ({"PYTHONPATH": "/tmp"}, "PYTHONPATH"),
        ({"PYTHONSTARTUP": "/tmp/x.py"}, "PYTHONSTARTUP"),
        ({"path": "/tmp"}, "path"),
    ],
)
def test_env_that_changes_which_code_runs_is_refused_naming_the_step_and_variable(alice_api, env, variable):
    answer = save(alice_api, exe("fine"), exe("sneaky", env={"OK": "1", **env}))
    assert answer.status_code == 400
    [fault] = answer.json()["graph"]
    assert fault["step"] == "sneaky"
    assert f"env variable {variable} may not be set" in fault["message"]
    assert "STUDIO_STEP_ENV_ALLOW_UNSAFE" in fault["message"]
    assert Campaign.objects.count() == 0 and CampaignVersion.objects.count() == 0


def test_a_site_setting_allows_those_variables(alice_api, settings):
    settings.STUDIO_STEP_ENV_ALLOW_UNSAFE = True
    answer = save(alice_api, exe(env={"LD_LIBRARY_PATH": "/opt/lib", "PYTHONPATH": "/opt/py"}))
    assert answer.status_code == 201, answer.json()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"BAD NAME": "x"}, "env variable 'BAD NAME' is not a valid name"),
        ({"X": 3}, "env must map names to strings"),
    ],
)
def test_malformed_env_is_refused(alice_api, env, expected):
    answer = save(alice_api, exe(env=env))
    assert answer.status_code == 400
    assert any(expected in f["message"] and f["step"] == "run" for f in answer.json()["graph"]), answer.json()


@pytest.mark.parametrize(
    ("cwd", "expected"),
    [
        ("/root", "must be a relative path inside the step's own working directory"),
        ("/", "must be a relative path inside"),
        ("~/x", "must be a relative path inside"),
        ("../../var", "may not contain '..'"),
        ("out/../../x", "may not contain '..'"),
        (7, "cwd must be a string"),
    ],
)
def test_cwd_outside_the_steps_own_folder_is_refused(alice_api, cwd, expected):
    answer = save(alice_api, exe(cwd=cwd))
    assert answer.status_code == 400
    [fault] = answer.json()["graph"]
    assert fault["step"] == "run" and expected in fault["message"], fault
    assert Campaign.objects.count() == 0


def test_a_relative_cwd_and_ordinary_env_are_saved(alice_api):
    answer = save(alice_api, exe(cwd="out/data", env={"OMP_NUM_THREADS": "4", "MODE": "fast"}))
    assert answer.status_code == 201, answer.json()
    step = answer.json()["graph"]["steps"][0]
    assert step["cwd"] == "out/data" and step["env"] == {"OMP_NUM_THREADS": "4", "MODE": "fast"}
