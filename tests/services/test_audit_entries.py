"""What the audit page shows for membership and run changes: the target named as people read it, and the details."""

from campaigns_app.models import AuditEntry
from campaigns_app.services import member_add, member_remove, member_role_set, run_cancel, run_launch, run_retry
from tests.conftest import team_with


def _entries(prefix: str) -> list[tuple]:
    return [
        (e.action, e.target_type, e.target_repr, e.details)
        for e in AuditEntry.objects.filter(action__startswith=prefix).order_by("id")
    ]


def test_membership_changes_are_audited_as_member_in_team_with_the_members_username(alice, bob):
    team = team_with("Lab", alice="admin")
    membership = member_add(team=team, user=alice, username="bob", role="viewer")
    member_role_set(membership=membership, user=alice, role="editor")
    member_remove(membership=membership, user=alice)
    assert _entries("member.") == [
        ("member.add", "membership", "bob in Lab", {"user": "bob", "role": "viewer"}),
        ("member.role", "membership", "bob in Lab", {"user": "bob", "from": "viewer", "to": "editor"}),
        ("member.remove", "membership", "bob in Lab", {"user": "bob", "role": "editor"}),
    ]
    assert set(AuditEntry.objects.filter(action__startswith="member.").values_list("team_id", flat=True)) == {team.pk}


def test_launch_cancel_and_retry_are_audited_as_run_of_campaign(alice, seed_campaign):
    run = run_launch(campaign=seed_campaign, user=alice, parameters={"name": "Campaign A"})
    run_cancel(run_id=run.pk, user=alice)
    run_retry(run_id=run.pk, user=alice)
    named = f"run {run.pk} of {seed_campaign.name}"
    entries = _entries("run.")
    assert [entry[:3] for entry in entries] == [
        ("run.launch", "run", named),
        ("run.cancel", "run", named),
        ("run.retry", "run", named),
    ]
    assert entries[0][3]["version"] == 1 and entries[0][3]["parameters"]["name"] == "Campaign A"
    assert set(AuditEntry.objects.filter(action__startswith="run.").values_list("about_campaign_id", flat=True)) == {
        seed_campaign.pk
    }
