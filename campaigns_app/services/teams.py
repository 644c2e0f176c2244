"""Teams, their members and roles; users and their passwords."""

from __future__ import annotations

import unicodedata

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .. import policies
from ..events import access_changed_on_commit
from ..models import Membership, Role, Team, UserCapabilities
from .audit import Action, audit_record
from .errors import ServiceError, forbid


def _admin_check(team: Team, user) -> None:
    forbid(policies.TEAM_MANAGE.refusal(team, user, team=team.name))


def _grant_check(rule: policies.Rule, target, actor, value) -> bool:
    """The flag a site admin sets, as a bool; 403 naming the field for anyone else, 400 for a non-bool."""
    if not isinstance(value, bool):
        raise ServiceError({"may_run_executables": ["must be true or false"]})
    refusal = rule.refusal(target, actor)
    if refusal:
        forbid(refusal, may_run_executables=[refusal])
    return value


def _role_check(role) -> str:
    if role not in Role.values:
        raise ServiceError({"role": [f"must be one of {', '.join(Role.values)}"]})
    return role


def _name_check(name) -> str:
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise ServiceError({"name": ["a team needs a name"]})
    if len(name) > 100:
        raise ServiceError({"name": ["at most 100 characters"]})
    # Control, format (bidi overrides, zero-width) and unassigned characters, and line breaks, would make
    # one team look like another, or break the lines it is shown in.
    odd = next((c for c in name if unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp")), None)
    if odd is not None:
        raise ServiceError({"name": [f"may not hold control or invisible characters (U+{ord(odd):04X})"]})
    return name


@transaction.atomic
def team_create(
    *,
    user,
    name: str,
    description: str = "",
    executable_min_role: str = Role.EDITOR,
    may_run_executables: bool | None = None,
) -> Team:
    """Create a team whose first member and admin is its creator.

    Creating a team gives no right to run executable steps: only a site
    admin may set ``may_run_executables`` (others get a 403 naming it).
    """
    name = _name_check(name)
    allowed = (
        False
        if may_run_executables is None
        else _grant_check(policies.TEAM_GRANT_EXECUTABLES, None, user, may_run_executables)
    )
    if Team.objects.filter(name__iexact=name).exists():
        raise ServiceError({"name": [f"a team called {name!r} already exists"]})
    team = Team.objects.create(
        name=name,
        description=description or "",
        executable_min_role=_role_check(executable_min_role),
        may_run_executables=allowed,
    )
    Membership.objects.create(team=team, user=user, role=Role.ADMIN)
    policies.user_team_roles_forget(user)
    audit_record(
        actor=user, action=Action.TEAM_CREATE, target=team, team=team, details={"may_run_executables": allowed}
    )
    access_changed_on_commit(user_ids=[user.pk])
    return team


@transaction.atomic
def team_update(
    *,
    team: Team,
    user,
    name: str | None = None,
    description: str | None = None,
    executable_min_role: str | None = None,
    may_run_executables: bool | None = None,
) -> Team:
    """Rename a team or change its settings (its admins); allow or stop its executable steps (site admins)."""
    if may_run_executables is not None:
        _grant_check(policies.TEAM_GRANT_EXECUTABLES, team, user, may_run_executables)
    if (name, description, executable_min_role) != (None, None, None) or may_run_executables is None:
        _admin_check(team, user)
    changes: dict[str, list] = {}
    if may_run_executables is not None and may_run_executables != team.may_run_executables:
        changes["may_run_executables"] = [team.may_run_executables, may_run_executables]
        team.may_run_executables = may_run_executables
    if name is not None and _name_check(name) != team.name:
        name = _name_check(name)
        if Team.objects.filter(name__iexact=name).exclude(pk=team.pk).exists():
            raise ServiceError({"name": [f"a team called {name!r} already exists"]})
        changes["name"] = [team.name, name]
        team.name = name
    if description is not None and description != team.description:
        changes["description"] = [team.description, description]
        team.description = description
    if executable_min_role is not None and executable_min_role != team.executable_min_role:
        changes["executable_min_role"] = [team.executable_min_role, _role_check(executable_min_role)]
        team.executable_min_role = executable_min_role
    if changes:
        team.save()
        audit_record(actor=user, action=Action.TEAM_EDIT, target=team, team=team, details=changes)
    return team


@transaction.atomic
def team_delete(*, team: Team, user) -> None:
    """Delete a team that holds no campaigns (admins only)."""
    _admin_check(team, user)
    count = team.campaigns.count()
    if count:
        raise ServiceError({"team": [f"{team.name!r} still holds {count} campaign(s): move or delete them first"]})
    member_ids = list(team.memberships.values_list("user_id", flat=True))
    audit_record(actor=user, action=Action.TEAM_DELETE, target=team, details={"members": len(member_ids)})
    team.delete()
    policies.user_team_roles_forget(user)
    access_changed_on_commit(user_ids=member_ids)


def _membership_audit(*, user, action: str, membership: Membership, details: dict) -> None:
    """Audit a change to a membership, named ``<username> in <team name>``, with the member's username in details."""
    username = membership.user.username
    audit_record(
        actor=user,
        action=action,
        target=membership,
        target_type="membership",
        target_repr=f"{username} in {membership.team.name}",
        team=membership.team,
        details={"user": username, **details},
    )


def _admins_left(team: Team, without_user_id: int) -> int:
    return team.memberships.filter(role=Role.ADMIN).exclude(user_id=without_user_id).count()


@transaction.atomic
def member_add(*, team: Team, user, username: str, role: str = Role.VIEWER) -> Membership:
    """Add a user to a team with a role (admins only)."""
    _admin_check(team, user)
    _role_check(role)
    member = (
        get_user_model().objects.filter(username=username, is_active=True).first()
        if isinstance(username, str)
        else None
    )
    if member is None:
        raise ServiceError({"username": [f"no active user {username!r}"]})
    try:
        with transaction.atomic():
            membership = Membership.objects.create(team=team, user=member, role=role)
    except IntegrityError:
        raise ServiceError({"username": [f"{username!r} is already a member of {team.name!r}"]}) from None
    _membership_audit(user=user, action=Action.MEMBER_ADD, membership=membership, details={"role": role})
    access_changed_on_commit(user_ids=[member.pk])
    return membership


@transaction.atomic
def member_role_set(*, membership: Membership, user, role: str) -> Membership:
    """Change a member's role (admins only); a team always keeps at least one admin."""
    membership = Membership.objects.select_for_update(of=("self",)).select_related("team", "user").get(pk=membership.pk)
    team = membership.team
    _admin_check(team, user)
    _role_check(role)
    if membership.role == role:
        return membership
    if membership.role == Role.ADMIN and not _admins_left(team, membership.user_id):
        raise ServiceError(
            {
                "role": [
                    f"{membership.user.username!r} is the last admin of {team.name!r}; make someone else admin first"
                ]
            }
        )
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    policies.user_team_roles_forget(user)
    _membership_audit(user=user, action=Action.MEMBER_ROLE, membership=membership, details={"from": old, "to": role})
    access_changed_on_commit(user_ids=[membership.user_id])
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, user) -> None:
    """Remove a member (admins), or leave a team yourself; the last admin cannot go."""
    membership = Membership.objects.select_for_update(of=("self",)).select_related("team", "user").get(pk=membership.pk)
    team = membership.team
    if membership.user_id != user.pk:
        _admin_check(team, user)
    if membership.role == Role.ADMIN and not _admins_left(team, membership.user_id):
        raise ServiceError(
            {
                "detail": f"{membership.user.username!r} is the last admin of {team.name!r}; "
                "make someone else admin first, or delete the team"
            }
        )
    _membership_audit(user=user, action=Action.MEMBER_REMOVE, membership=membership, details={"role": membership.role})
    member_id = membership.user_id
    membership.delete()
    policies.user_team_roles_forget(user)
    access_changed_on_commit(user_ids=[member_id])


def _password_check(password, user=None, field: str = "password") -> None:
    if not isinstance(password, str) or not password:
        raise ServiceError({field: ["a password is required"]})
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError({field: list(exc.messages)}) from None


@transaction.atomic
def user_create(*, actor, username: str, password: str, email: str = "", is_staff: bool = False):
    """Create a user (staff only); the password passes the configured validators."""
    forbid(policies.USER_MANAGE.refusal(None, actor, verb="create users"))
    User = get_user_model()
    username = (username or "").strip() if isinstance(username, str) else ""
    if not username:
        raise ServiceError({"username": ["a username is required"]})
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise ServiceError({"username": list(exc.messages)}) from None
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError({"username": [f"{username!r} is taken"]})
    _password_check(password, User(username=username, email=email))
    user = User.objects.create_user(
        username=username, password=password, email=email or "", is_staff=bool(is_staff) and actor.is_superuser
    )
    audit_record(
        actor=actor, action=Action.USER_CREATE, target=user, target_repr=username, details={"is_staff": user.is_staff}
    )
    return user


@transaction.atomic
def password_change(*, user, old_password: str, new_password: str) -> None:
    """Change one's own password after checking the current one."""
    if not isinstance(old_password, str) or not user.check_password(old_password):
        raise ServiceError({"old_password": ["the current password is wrong"]})
    _password_check(new_password, user, field="new_password")
    if old_password == new_password:
        raise ServiceError({"new_password": ["choose a password different from the current one"]})
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action=Action.PASSWORD_CHANGE, target=user, target_repr=user.get_username())


@transaction.atomic
def user_executables_set(*, actor, user, allowed: bool) -> UserCapabilities:
    """Allow or stop a user's executable steps in campaigns outside any team (site admins only)."""
    _grant_check(policies.USER_GRANT_EXECUTABLES, user, actor, allowed)
    capabilities, _ = UserCapabilities.objects.select_for_update().get_or_create(user=user)
    if capabilities.may_run_executables != allowed:
        capabilities.may_run_executables = allowed
        capabilities.granted_by = actor
        capabilities.save()
        audit_record(
            actor=actor,
            action=Action.USER_CAPABILITIES,
            target=user,
            target_repr=user.get_username(),
            details={"may_run_executables": allowed},
        )
    policies.user_team_roles_forget(user)
    return capabilities
