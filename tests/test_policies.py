"""The rules of ``campaigns_app.policies`` one by one, and that the broadcast audience follows the visibility rule."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from campaigns_app import policies, selectors
from campaigns_app.events import dashboard_groups_for_run, dashboard_groups_for_user
from campaigns_app.models import Campaign, Role, Run, UserCapabilities
from campaigns_app.services import campaign_create, run_launch
from tests.conftest import make_user, seed_definition, team_with

pytestmark = pytest.mark.django_db

EXECUTABLE = {"steps": [{"id": "x", "kind": "executable", "argv": ["true"]}], "edges": []}
FUNCTIONS = {"steps": [{"id": "f", "kind": "function", "function": "noop"}], "edges": []}


@pytest.fixture
def people():
    return {
        name: make_user(name, **extra)
        for name, extra in (
            ("root", {"is_superuser": True}),
            ("sam", {"is_staff": True}),
            ("fay", {}),
            ("ed", {}),
            ("op", {}),
            ("nobody", {}),
        )
    }


def test_who_may_run_executable_steps(people):
    allowed = team_with("Allowed", may_run_executables=True, ed="editor", op="operator")
    plain = team_with("Plain", ed="admin")
    UserCapabilities.objects.create(user=people["fay"], may_run_executables=True)
    expected = {
        # user: (outside any team, in Allowed, in Plain)
        "root": (True, True, True),
        "sam": (True, True, True),  # site admins grant the right, so they hold it
        "fay": (True, False, False),  # allowed outside teams only
        "ed": (False, True, False),  # an editor of an allowed team; admin of a team nobody allowed
        "op": (False, False, False),  # under Allowed's minimum role (editor)
        "nobody": (False, False, False),
    }
    for name, row in expected.items():
        got = tuple(policies.may_run_executables(people[name], team) for team in (None, allowed, plain))
        assert got == row, name
    assert not policies.may_run_executables(AnonymousUser(), None)

    allowed.executable_min_role = Role.OPERATOR
    allowed.save()
    assert policies.may_run_executables(people["op"], allowed)


def test_a_refusal_names_the_steps_and_says_whom_to_ask(people):
    plain = team_with("Plain", ed="admin")
    assert policies.executables_refusal(people["nobody"], None, FUNCTIONS, "save") is None
    outside = policies.executables_refusal(people["nobody"], None, EXECUTABLE, "save")
    assert outside.startswith("executable step(s) 'x' run commands on the workers; outside a team")
    assert "ask a site admin to allow you executable steps" in outside
    in_team = policies.executables_refusal(people["ed"], plain, EXECUTABLE, "launch")
    assert in_team.endswith("ask a site admin to allow executable steps for team 'Plain'")
    many = {"steps": [{"id": f"s{i}", "kind": "executable", "argv": ["true"]} for i in range(8)], "edges": []}
    assert "'s4' and 3 more run commands" in policies.executables_refusal(people["nobody"], None, many, "save")


def test_child_runs_ask_the_same_rule_with_their_own_verb(people):
    """The function a step that starts another campaign's run calls, with the parent run's launcher."""
    allowed = team_with("Allowed", may_run_executables=True, ed="editor", op="operator")
    assert policies.executables_refusal(people["ed"], allowed, EXECUTABLE, "start as a child run") is None
    refusal = policies.executables_refusal(people["op"], allowed, EXECUTABLE, "start as a child run")
    assert "lets only editors and admins start as a child run such campaigns" in refusal


def test_rules_format_their_messages(people):
    lab = team_with("Lab", ed="admin", op="operator")
    assert policies.TEAM_MANAGE.refusal(lab, people["ed"], team=lab.name) is None
    assert (
        policies.TEAM_MANAGE.refusal(lab, people["op"], team=lab.name)
        == "only admins of 'Lab' may manage its members and settings"
    )
    assert policies.USER_MANAGE.refusal(None, people["ed"], verb="create users") == "only site admins may create users"
    assert policies.USER_MANAGE.refusal(None, people["sam"], verb="create users") is None


@pytest.mark.parametrize(
    ("visibility", "launcher"), list(itertools.product(("private", "team", "public"), ("owner", "teammate")))
)
def test_a_runs_broadcast_audience_is_exactly_who_may_see_it(visibility, launcher):
    """``policies.run_audience`` (broadcasts) and ``policies.visible_q`` (queries) give the same people."""
    owner, mate, other, outsider, root = (make_user(n) for n in ("owner", "mate", "other", "outsider", "root"))
    root.is_superuser = True
    root.save()
    lab = team_with("Lab", owner="admin", mate="admin", other="viewer")
    campaign = campaign_create(owner=owner, team=lab, visibility="public", **seed_definition(step_seconds=0.01))
    run = run_launch(campaign=campaign, user=mate if launcher == "teammate" else owner)
    Campaign.objects.filter(pk=campaign.pk).update(visibility=visibility)
    run = Run.objects.select_related("campaign").get(pk=run.pk)
    run_groups = set(dashboard_groups_for_run(run))
    for user in (owner, mate, other, outsider, root):
        policies.user_team_roles_forget(user)
        team_ids = list(policies.user_team_roles(user))
        shared = run_groups & set(dashboard_groups_for_user(user, team_ids))
        sees = selectors.runs_visible_to(user).filter(pk=run.pk).exists()
        assert bool(shared) == sees, (user.username, visibility, launcher)
        if user is root:
            # A superuser's socket hears every run through exactly one of its groups.
            assert len(shared) == 1, (visibility, launcher)
