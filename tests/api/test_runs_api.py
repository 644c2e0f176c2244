import pytest

from campaigns_app.models import Run, StepRun

pytestmark = pytest.mark.django_db


def launch(api, campaign, parameters=None):
    body = {} if parameters is None else {"parameters": parameters}
    return api.post(f"/api/campaigns/{campaign.pk}/runs/", body, format="json")


def test_launch_returns_the_run_with_its_steps(alice_api, seed_campaign):
    answer = launch(alice_api, seed_campaign, {"name": "Campaign B"})
    assert answer.status_code == 201
    run = answer.json()
    assert run["campaign"] == seed_campaign.pk and run["version"] == 1
    assert run["state"] == "queued" and run["parameters"] == {"name": "Campaign B"}
    assert [(s["step"], s["state"]) for s in run["steps"]] == [
        ("s1", "queued"),
        ("s2", "pending"),
        ("s3", "pending"),
        ("s4", "pending"),
    ]
    assert run["graph"]["edges"][0] == {"source": "s1", "target": "s2"}
    assert set(run["steps"][0]) >= {"attempts", "queued_at", "started_at", "finished_at", "result", "error"}


def test_defaults_fill_missing_parameters(alice_api, seed_campaign):
    assert launch(alice_api, seed_campaign).json()["parameters"] == {"name": "Campaign A"}


@pytest.mark.parametrize(
    ("parameters", "field", "message"),
    [({"name": 3}, "name", "must be a string"), ({"nmae": "x"}, "nmae", "unknown parameter")],
)
def test_bad_launch_parameters_are_named_and_no_run_is_created(alice_api, seed_campaign, parameters, field, message):
    answer = launch(alice_api, seed_campaign, parameters)
    assert answer.status_code == 400
    assert message in answer.json()["parameters"][field][0]
    assert Run.objects.count() == 0 and StepRun.objects.count() == 0


def test_parameters_must_be_an_object(alice_api, seed_campaign):
    answer = launch(alice_api, seed_campaign, ["Campaign A"])
    assert answer.status_code == 400 and "parameters" in answer.json()


def test_a_run_keeps_pointing_at_the_version_it_ran(alice_api, seed_campaign):
    run = launch(alice_api, seed_campaign).json()
    current = alice_api.get(f"/api/campaigns/{seed_campaign.pk}/").json()
    current["graph"]["steps"].append({"id": "s5", "kind": "function", "function": "noop"})
    assert alice_api.put(f"/api/campaigns/{seed_campaign.pk}/", current, format="json").json()["version"] == 2
    again = alice_api.get(f"/api/runs/{run['id']}/").json()
    assert again["version"] == 1 and len(again["steps"]) == 4 and len(again["graph"]["steps"]) == 4
    assert launch(alice_api, seed_campaign).json()["version"] == 2


def test_runs_list_filters_by_state_and_campaign(alice_api, seed_campaign):
    first = launch(alice_api, seed_campaign).json()
    launch(alice_api, seed_campaign)
    Run.objects.filter(pk=first["id"]).update(state="failed")
    failed = alice_api.get("/api/runs/?state=failed").json()
    assert [r["id"] for r in failed["results"]] == [first["id"]]
    assert alice_api.get(f"/api/runs/?campaign={seed_campaign.pk}").json()["count"] == 2
    assert alice_api.get("/api/runs/?campaign=999999").json()["count"] == 0
    assert alice_api.get("/api/runs/?campaign=abc").status_code == 400


def test_events_endpoint_returns_events_after_a_sequence_number(alice_api, seed_campaign):
    run = launch(alice_api, seed_campaign).json()
    events = alice_api.get(f"/api/runs/{run['id']}/events/").json()
    assert [(e["seq"], e["type"], e["state"], e["step"]) for e in events] == [
        (1, "run.state", "queued", None),
        (2, "step.state", "queued", "s1"),
    ]
    assert set(events[0]) == {"seq", "run", "step", "type", "state", "at", "data"}
    assert [e["seq"] for e in alice_api.get(f"/api/runs/{run['id']}/events/?after=1").json()] == [2]
    assert alice_api.get(f"/api/runs/{run['id']}/events/?after=-1").status_code == 400


def test_unknown_runs_are_404(alice_api):
    assert alice_api.get("/api/runs/424242/").status_code == 404
    assert alice_api.get("/api/runs/424242/events/").status_code == 404


def test_instances_launch_one_batch_of_runs_in_one_request(alice_api, seed_campaign):
    answer = launch_instances(alice_api, seed_campaign, [{"parameters": {"name": f"Campaign {n}"}} for n in "ABC"])
    assert answer.status_code == 201
    body = answer.json()
    assert body["count"] == 3 and body["counts"] == {"queued": 3} and body["campaign"] == seed_campaign.pk
    assert [set(r) for r in body["runs"]] == [{"id", "state"}] * 3
    assert {r["state"] for r in body["runs"]} == {"queued"}
    summary = alice_api.get(f"/api/batches/{body['batch']}/").json()
    assert summary["state"] == "queued" and summary["counts"] == {"queued": 3}
    assert [r["id"] for r in summary["runs"]] == [r["id"] for r in body["runs"]]
    assert [r["parameters"]["name"] for r in summary["runs"]] == ["Campaign A", "Campaign B", "Campaign C"]
    first = alice_api.get(f"/api/runs/{body['runs'][0]['id']}/").json()
    assert first["batch"] == body["batch"] and first["version"] == body["version"]


def test_one_bad_instance_refuses_the_whole_batch_naming_it(alice_api, seed_campaign):
    answer = launch_instances(alice_api, seed_campaign, [{"parameters": {"name": "ok"}}, {"parameters": {"name": 7}}])
    assert answer.status_code == 400
    assert answer.json()["instances"]["1"]["parameters"]["name"] == ["must be a string"]
    assert Run.objects.count() == 0


def test_instances_must_be_a_non_empty_list(alice_api, seed_campaign):
    for bad in ([], {"parameters": {}}, "abc"):
        answer = launch_instances(alice_api, seed_campaign, bad)
        assert answer.status_code == 400 and "instances" in answer.json()


def launch_instances(api, campaign, instances):
    return api.post(f"/api/campaigns/{campaign.pk}/runs/", {"instances": instances}, format="json")
