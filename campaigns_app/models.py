"""Campaign → version → run → step run → event.

State changes happen in ``services``; these models only hold data and the
small queries that belong to one row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .timefmt import iso


class Role(models.TextChoices):
    """Team roles, each including the rights of the ones before it."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    EDITOR = "editor"
    ADMIN = "admin"


ROLE_RANK = {Role.VIEWER: 1, Role.OPERATOR: 2, Role.EDITOR: 3, Role.ADMIN: 4}


def role_at_least(role: str | None, minimum: str) -> bool:
    return role is not None and ROLE_RANK.get(role, 0) >= ROLE_RANK[minimum]


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True, default="")
    # Executable steps run commands on the workers.  Only a site admin (staff)
    # grants a team that right; within such a team, the team's admins choose
    # the lowest role that may save or launch a campaign containing one.
    may_run_executables = models.BooleanField(default=False)
    executable_min_role = models.CharField(max_length=16, choices=Role.choices, default=Role.EDITOR)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="teams")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team_id", "user_id"]
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_team_member")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.team_id} as {self.role}"


class UserCapabilities(models.Model):
    """Rights a site admin gave one user beyond their teams' (a missing row: none)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="capabilities")
    # Campaigns outside any team may hold executable steps for this user.
    may_run_executables = models.BooleanField(default=False)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "user capabilities"

    def __str__(self) -> str:
        return f"capabilities of {self.user_id}"


class Visibility(models.TextChoices):
    PRIVATE = "private"
    TEAM = "team"
    PUBLIC = "public"


class Source(models.TextChoices):
    # Designed and run by the studio, or reported by an AsyncFlow script through ``attach``.
    STUDIO = "studio"
    EXTERNAL = "external"


class RunKind(models.TextChoices):
    # A test run executes one unsaved step once, from the editor; lists leave it out unless asked for.
    CAMPAIGN = "campaign"
    TEST = "test"


class Campaign(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campaigns")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="campaigns")
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.PRIVATE, db_index=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    forked_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="forks")
    forked_from_version = models.PositiveIntegerField(null=True, blank=True)
    # Newest launch, for the library's "recently used" order.
    last_used_at = models.DateTimeField(null=True, blank=True, db_index=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.STUDIO)
    # Number of the newest CampaignVersion; bumped whenever graph or parameters change.
    version = models.PositiveIntegerField(default=1)
    # Where the steps sit and the canvas's sticky notes (``graph/layout.py``): saved without a new version.
    layout = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def current_version(self) -> CampaignVersion:
        return self.versions.get(number=self.version)


class CampaignVersion(models.Model):
    """An immutable snapshot of a campaign's definition; runs point at one."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    parameters = models.JSONField(default=list)
    graph = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Why this version exists ("created", "restored version 2", "forked from ..."); empty for plain edits.
    note = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["campaign_id", "number"]
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="unique_campaign_version")]

    def __str__(self) -> str:
        return f"{self.campaign_id} v{self.number}"


class RunState(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class StepState(models.TextChoices):
    PENDING = "pending"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


RUN_TERMINAL = {RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED}
STEP_TERMINAL = {StepState.SUCCEEDED, StepState.FAILED, StepState.SKIPPED, StepState.CANCELLED}
STEP_ACTIVE = {StepState.QUEUED, StepState.RUNNING}


class Batch(models.Model):
    """Runs launched together in one request (the seed's three campaigns at once)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="batches")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="batches")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"batch {self.pk} of {self.campaign_id}"


class Run(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey(CampaignVersion, on_delete=models.RESTRICT, related_name="runs")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="runs")
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, null=True, blank=True, related_name="runs")
    # How many of this run's steps may be queued or running at once (null: no limit).
    max_parallel = models.PositiveIntegerField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=RunState.choices, default=RunState.QUEUED, db_index=True)
    parameters = models.JSONField(default=dict)
    # Sequence number of the newest RunEvent; allocated under the run's row lock.
    last_seq = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.STUDIO)
    # For an external run: the AsyncFlow component it mirrors (a block's uid), within the reporting session.
    external_key = models.CharField(max_length=200, blank=True, default="")
    kind = models.CharField(max_length=16, choices=RunKind.choices, default=RunKind.CAMPAIGN, db_index=True)
    # A test run's one-step graph (its version is the one it was tried against, and is not what it runs).
    test_graph = models.JSONField(null=True, blank=True)
    # A child run: the run, workflow step and (for a for_each) item that started it.
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    parent_step_id = models.CharField(max_length=64, blank=True, default="")
    parent_item = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"run {self.pk} of {self.campaign_id}"


class StepRun(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="step_runs")
    step_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    backend = models.CharField(max_length=32, default="thread")
    # Position in the version's topological order, for stable listings.
    order = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=16, choices=StepState.choices, default=StepState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(null=True, blank=True)
    # When the step's message is due at the broker (later than queued_at for a retry with backoff).
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # Set by cancel while the step runs; its worker's watchdog tells it to stop.
    cancel_requested = models.BooleanField(default=False)
    # Which worker process runs the current attempt, and when it last said so.
    worker = models.CharField(max_length=200, blank=True, default="")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Attempts lost with a dead worker and queued again.
    reclaims = models.PositiveIntegerField(default=0)
    # A workflow step's current child run (a for_each keeps one per item in StepItem).
    child_run = models.ForeignKey(Run, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["run_id", "order"]
        constraints = [models.UniqueConstraint(fields=["run", "step_id"], name="unique_step_per_run")]
        indexes = [
            models.Index(fields=["state", "backend"], name="steprun_state_backend"),
            # Whether a run still has open steps, in one seek whatever its size.
            models.Index(fields=["run", "state"], name="steprun_run_state"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.step_id}"


class StepItem(models.Model):
    """One item of a ``for_each`` step: its value, state, attempts and result."""

    step_run = models.ForeignKey(StepRun, on_delete=models.CASCADE, related_name="items")
    index = models.PositiveIntegerField()
    value = models.JSONField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=StepState.choices, default=StepState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(null=True, blank=True)
    # A failed item with retries left waits its retry delay: its next attempt starts no earlier than this.
    due_at = models.DateTimeField(null=True, blank=True)
    # For a for_each over a workflow step (an ensemble): this item's current child run.
    child_run = models.ForeignKey(Run, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["step_run_id", "index"]
        constraints = [models.UniqueConstraint(fields=["step_run", "index"], name="unique_item_per_step")]

    def __str__(self) -> str:
        return f"{self.step_run_id}[{self.index}]"


class StepLogChunk(models.Model):
    """A batch of output lines of one attempt of one step (stdout, stderr, log records, or a cut marker)."""

    step_run = models.ForeignKey(StepRun, on_delete=models.CASCADE, related_name="log_chunks")
    attempt = models.PositiveIntegerField()
    stream = models.CharField(max_length=16)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["step_run_id", "id"]

    def __str__(self) -> str:
        return f"{self.step_run_id} attempt {self.attempt} {self.stream}"


class RunEvent(models.Model):
    """Every state change of a run or step, in per-run order (``seq`` from 1, no gaps)."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    step_id = models.CharField(max_length=64, null=True, blank=True)
    type = models.CharField(max_length=32)
    state = models.CharField(max_length=16, blank=True, default="")
    at = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["run_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="unique_event_seq_per_run")]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.seq} {self.type} {self.state}"

    def as_message(self) -> dict:
        return {
            "seq": self.seq,
            "run": self.run_id,
            "step": self.step_id,
            "type": self.type,
            "state": self.state,
            "at": iso(self.at),
            "data": self.data,
        }


class TokenKind(models.TextChoices):
    # Named by its user on the account page, or handed out by POST /api/auth/token/.
    PERSONAL = "personal"
    LOGIN = "login"


class ApiToken(models.Model):
    """An API token (personal or login); only its SHA-256 is stored, the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=TokenKind.choices, default=TokenKind.PERSONAL)
    # The first characters of the key, to recognise a token in the list.
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuditEntry(models.Model):
    """Who did what, when, from which address; rows are only ever added."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as text so the entry still reads right after the user or target is deleted.
    actor_name = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=48, db_index=True)
    target_type = models.CharField(max_length=32)
    target_id = models.CharField(max_length=64, blank=True, default="")
    target_repr = models.CharField(max_length=200, blank=True, default="")
    # The team whose admins may read this entry.
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The id of the campaign the entry is about: a number, not a key, so that it outlives the campaign.
    about_campaign_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target_type} {self.target_id}"
