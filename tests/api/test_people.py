"""Users, passwords, API tokens, teams and the audit trail."""

import pytest
from rest_framework.test import APIClient

from campaigns_app.models import ApiToken, AuditEntry, Membership
from campaigns_app.services import campaign_create
from tests.conftest import client_for, make_user, seed_definition, team_with

pytestmark = pytest.mark.django_db


# --- tokens -----------------------------------------------------------------------------------------


def test_a_personal_token_is_shown_once_stored_hashed_and_revocable(alice_api, alice):
    created = alice_api.post("/api/auth/tokens/", {"name": "nightly script"}, format="json")
    assert created.status_code == 201
    key = created.json()["token"]
    assert key.startswith("afs_") and created.json()["prefix"] == key[:12]
    assert not ApiToken.objects.filter(key_hash=key).exists()  # only the hash is kept

    listed = [t for t in alice_api.get("/api/auth/tokens/").json() if t["kind"] == "personal"]
    assert [(t["name"], t["prefix"]) for t in listed] == [("nightly script", key[:12])]
    assert "token" not in listed[0]

    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert script.get("/api/auth/me/").json()["username"] == "alice"
    assert alice_api.get("/api/auth/tokens/").json()[0]["last_used_at"] is not None  # newest first

    assert alice_api.delete(f"/api/auth/tokens/{listed[0]['id']}/").status_code == 204
    assert script.get("/api/auth/me/").status_code in (401, 403)
    actions = list(AuditEntry.objects.filter(actor=alice).values_list("action", flat=True))
    assert set(actions) == {"token.create", "token.revoke"}


def test_tokens_are_private_to_their_owner(alice_api, bob_api):
    token_id = alice_api.post("/api/auth/tokens/", {"name": "a"}, format="json").json()["id"]
    assert [t["kind"] for t in bob_api.get("/api/auth/tokens/").json()] == ["login"]
    assert bob_api.delete(f"/api/auth/tokens/{token_id}/").status_code == 404
    assert alice_api.post("/api/auth/tokens/", {"name": " "}, format="json").status_code == 400


# --- users and passwords ----------------------------------------------------------------------------


def test_password_change_checks_the_old_one_and_the_rules(alice_api):
    wrong = alice_api.post(
        "/api/auth/password/", {"old_password": "nope", "new_password": "Another-pass-42"}, format="json"
    )
    assert wrong.status_code == 400 and "old_password" in wrong.json()
    weak = alice_api.post(
        "/api/auth/password/", {"old_password": "alice-password-1", "new_password": "123"}, format="json"
    )
    assert weak.status_code == 400 and "new_password" in weak.json()
    ok = alice_api.post(
        "/api/auth/password/", {"old_password": "alice-password-1", "new_password": "Another-pass-42"}, format="json"
    )
    assert ok.status_code == 204
    client = APIClient()
    assert (
        client.post("/api/auth/login/", {"username": "alice", "password": "Another-pass-42"}, format="json").status_code
        == 200
    )
    assert AuditEntry.objects.filter(action="user.password_change").count() == 1


def test_session_stays_signed_in_after_changing_the_password(alice):
    client = APIClient(enforce_csrf_checks=False)
    client.post("/api/auth/login/", {"username": "alice", "password": "alice-password-1"}, format="json")
    client.post(
        "/api/auth/password/", {"old_password": "alice-password-1", "new_password": "Another-pass-42"}, format="json"
    )
    assert client.get("/api/auth/me/").status_code == 200


def test_only_administrators_create_users(alice_api, db):
    admin = make_user("root", is_staff=True, is_superuser=True)
    body = {"username": "dora", "password": "Dora-password-77"}
    assert alice_api.post("/api/users/", body, format="json").status_code == 403
    created = client_for(admin).post("/api/users/", body, format="json")
    assert created.status_code == 201 and created.json()["username"] == "dora"
    again = client_for(admin).post("/api/users/", body, format="json")
    assert again.status_code == 400 and "taken" in again.json()["username"][0]
    # Dora shares no team with Alice: Alice finds her by her exact name only, staff by any part of it.
    assert alice_api.get("/api/users/?search=do").json() == []
    assert [u["username"] for u in alice_api.get("/api/users/?search=dora").json()] == ["dora"]
    assert [u["username"] for u in client_for(admin).get("/api/users/?search=do").json()] == ["dora"]


# --- teams ------------------------------------------------------------------------------------------


def test_a_team_admin_manages_members_and_a_team_always_keeps_an_admin(alice_api, bob, charlie):
    team = alice_api.post("/api/teams/", {"name": "Lab"}, format="json").json()
    assert team["role"] == "admin" and [m["username"] for m in team["members"]] == ["alice"]
    url = f"/api/teams/{team['id']}/"
    added = alice_api.post(f"{url}members/", {"username": "bob", "role": "viewer"}, format="json")
    assert added.status_code == 201
    assert alice_api.post(f"{url}members/", {"username": "bob", "role": "viewer"}, format="json").status_code == 400
    assert (
        alice_api.post(f"{url}members/", {"username": "ghost", "role": "viewer"}, format="json").json()["username"][0]
        == "no active user 'ghost'"
    )
    assert alice_api.post(f"{url}members/", {"username": "charlie", "role": "boss"}, format="json").status_code == 400

    bob_api = client_for(bob)
    assert bob_api.get(url).json()["role"] == "viewer"
    assert bob_api.post(f"{url}members/", {"username": "charlie", "role": "admin"}, format="json").status_code == 403
    assert client_for(charlie).get(url).status_code == 404
    assert [t["name"] for t in client_for(charlie).get("/api/teams/").json()] == []

    assert alice_api.patch(f"{url}members/{bob.pk}/", {"role": "admin"}, format="json").json()["role"] == "admin"
    teams = bob_api.get("/api/auth/me/").json()["teams"]
    assert [(t["id"], t["name"], t["role"]) for t in teams] == [(team["id"], "Lab", "admin")]
    # Alice may now step down; Bob, the last admin, may not.
    alice_id = Membership.objects.get(user__username="alice").user_id
    assert alice_api.delete(f"{url}members/{alice_id}/").status_code == 204
    last = bob_api.patch(f"{url}members/{bob.pk}/", {"role": "viewer"}, format="json")
    assert last.status_code == 400 and "last admin" in last.json()["role"][0]
    assert {e.action for e in AuditEntry.objects.filter(team_id=team["id"])} == {
        "team.create",
        "member.add",
        "member.role",
        "member.remove",
    }


def test_a_team_with_campaigns_is_not_deleted(alice, alice_api):
    lab = team_with("Lab", alice="admin")
    campaign_create(owner=alice, team=lab, visibility="team", **seed_definition())
    answer = alice_api.delete(f"/api/teams/{lab.pk}/")
    assert answer.status_code == 400 and "still holds 1 campaign" in answer.json()["team"][0]


# --- audit ------------------------------------------------------------------------------------------


def test_team_admins_read_their_teams_audit_with_who_when_what_and_address(alice, bob, charlie):
    lab = team_with("Lab", alice="admin", bob="operator")
    alice_api, bob_api = client_for(alice), client_for(bob)
    created = alice_api.post(
        "/api/campaigns/",
        seed_definition() | {"team": lab.pk, "visibility": "team"},
        format="json",
        REMOTE_ADDR="10.1.2.3",
    ).json()
    bob_api.post(f"/api/campaigns/{created['id']}/runs/", {}, format="json", REMOTE_ADDR="10.9.9.9")
    alice_api.patch(f"/api/campaigns/{created['id']}/", {"name": "Renamed"}, format="json")
    alice_api.patch(f"/api/campaigns/{created['id']}/", {"visibility": "public"}, format="json")
    client_for(charlie).post(f"/api/campaigns/{created['id']}/fork/", {}, format="json")
    private = campaign_create(owner=alice, **seed_definition(name="Secret"))

    entries = alice_api.get(f"/api/audit/?team={lab.pk}").json()["results"]
    assert [(e["actor"], e["action"]) for e in entries] == [
        ("charlie", "campaign.fork"),
        ("alice", "campaign.share"),
        ("alice", "campaign.edit"),
        ("bob", "run.launch"),
        ("alice", "campaign.create"),
    ]
    launch = entries[3]
    assert launch["address"] == "10.9.9.9" and launch["campaign"] == created["id"] and launch["team_name"] == "Lab"
    assert entries[4]["address"] == "10.1.2.3" and entries[4]["at"].endswith("Z")
    assert entries[1]["details"] == {
        "from": {"visibility": "team", "team": "Lab"},
        "to": {"visibility": "public", "team": "Lab"},
    }
    assert private.pk not in [e["campaign"] for e in entries]

    # Filters.
    assert [e["action"] for e in alice_api.get("/api/audit/?actor=bob").json()["results"]] == ["run.launch"]
    assert len(alice_api.get(f"/api/audit/?team={lab.pk}&action=campaign").json()["results"]) == 4
    assert alice_api.get("/api/audit/?action=campaign.fork,run.launch").json()["count"] == 2
    assert alice_api.get("/api/audit/?since=2000-01-01&until=2000-01-02").json()["count"] == 0
    for bad in ("action=explode", "since=yesterday", "team=x"):
        answer = alice_api.get(f"/api/audit/?{bad}")
        assert answer.status_code == 400 and bad.split("=")[0] in answer.json()

    # An operator is no admin: only their own actions.
    assert [e["action"] for e in bob_api.get("/api/audit/").json()["results"]] == ["run.launch"]
