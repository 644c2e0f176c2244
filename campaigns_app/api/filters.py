"""Query parameters of the list views, as django-filter FilterSets (NetBox's way), so they reach the OpenAPI schema.

A bad value answers 400 naming the parameter (``DjangoFilterBackend`` raises
the form's errors).  Parameters of single-object views (a diff's versions, a
feed's window) are serializers in ``query.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import django_filters as filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.drainage import set_override
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from ..models import AuditEntry, Campaign, Run, RunKind, RunState, Visibility
from ..services.audit import ACTIONS
from .params import MAX_ID, whole_number

# ``campaign`` stands for every ``campaign.*`` action.
ACTION_PREFIXES = sorted({".".join(a.split(".")[:i]) for a in ACTIONS for i in range(1, a.count(".") + 1)})
STEPS_FORMS = ("all", "summary")
CAMPAIGN_SORTS = {
    "recent": [F("last_used_at").desc(nulls_last=True), "-updated_at", "-id"],
    "updated": ["-updated_at", "-id"],
    "created": ["-created_at", "-id"],
    "name": ["name", "id"],
}


class _CommaSeparatedField(forms.CharField):
    """``a,b,c`` as a list of words, each checked against ``allowed`` (when given)."""

    def __init__(self, *, allowed=None, noun="value", known=None, **kwargs):
        self.allowed, self.noun, self.known = allowed, noun, known or allowed
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        items = [item.strip() for item in (value or "").split(",") if item.strip()]
        if self.allowed is not None:
            unknown = sorted(set(items) - set(self.allowed))
            if unknown:
                raise forms.ValidationError(
                    f"unknown {self.noun}(s) {', '.join(unknown)}; known: {', '.join(self.known)}"
                )
        return items


# A filter sent empty (``?kind=``) filters nothing, as the list pages send an unset field; the schema says so.
EMPTY = {"type": "string", "enum": [""]}


class CommaSeparatedFilter(filters.Filter):
    field_class = _CommaSeparatedField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # In the schema a list of the allowed words (sent comma-separated: StudioAutoSchema); empty items
        # are skipped.
        allowed = kwargs.get("allowed")
        items = {"type": "string", **({"enum": [*allowed, ""]} if allowed is not None else {})}
        set_override(self, "field", {"type": "array", "items": items})


class OptionalChoiceFilter(filters.ChoiceFilter):
    """A choice, or empty for no filter."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_override(self, "field", {"type": "string", "enum": [value for value, _ in kwargs["choices"]] + [""]})


class _MomentField(forms.CharField):
    """A date (``2026-01-31``) or an ISO date-time; a date alone means its start (or, for ``until``, its end)."""

    def __init__(self, *, end_of_day=False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is None:
                raise forms.ValidationError("must be a date (2026-01-31) or an ISO date-time")
            moment = datetime.combine(day, time.max if self.end_of_day else time.min)
        return timezone.make_aware(moment, UTC) if timezone.is_naive(moment) else moment


@extend_schema_field(
    {
        # Empty means no bound, as the audit page sends an unset field.
        "anyOf": [
            {"type": "string", "format": "date"},
            {"type": "string", "format": "date-time"},
            {"type": "string", "enum": [""]},
        ],
        "description": "a date (2026-01-31) or an ISO date-time; empty for no bound",
    }
)
class MomentFilter(filters.Filter):
    field_class = _MomentField


class _IdField(forms.CharField):
    """An id as ``params.whole_number`` reads it: ASCII digits, from 1 to 2**63-1 (the database's bigint)."""

    def __init__(self, *, message: str = "must be an id", **kwargs):
        self.message = message
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            return whole_number(value, "id", low=1)
        except ValidationError:
            raise forms.ValidationError(self.message) from None


@extend_schema_field({"anyOf": [{"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}, EMPTY]})
class IdFilter(filters.Filter):
    field_class = _IdField


def _id_filter(field_name: str, noun: str, **kwargs) -> IdFilter:
    kwargs.setdefault("help_text", f"a {noun} id")
    return IdFilter(field_name=field_name, message=f"must be a {noun} id", **kwargs)


class CampaignFilter(filters.FilterSet):
    search = filters.CharFilter(method="filter_search", help_text="in the name or description")
    team = _id_filter("team_id", "team", method="filter_team")
    owner = filters.CharFilter(field_name="owner__username", help_text="the owner's username")
    visibility = OptionalChoiceFilter(choices=Visibility.choices)
    tag = filters.CharFilter(method="filter_tag", help_text="one tag, any case")
    sort = OptionalChoiceFilter(
        choices=[(name, name) for name in CAMPAIGN_SORTS],
        method="filter_sort",
        empty_label=None,
        help_text="default: updated",
    )

    class Meta:
        model = Campaign
        fields = ["search", "team", "owner", "visibility", "tag", "sort"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value)) if value else queryset

    def filter_team(self, queryset: QuerySet, name: str, value) -> QuerySet:
        # A team's listing never shows its members' private campaigns.
        return queryset.filter(team_id=int(value)).exclude(visibility=Visibility.PRIVATE)

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        tag = value.strip().lower()
        if not tag:
            return queryset
        # Tags are few per campaign; filtering in Python keeps this portable across SQLite and PostgreSQL.
        ids = [pk for pk, tags in queryset.values_list("pk", "tags") if tag in {t.lower() for t in tags}]
        return queryset.filter(pk__in=ids)

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # ``filter_queryset`` orders last, also when ``sort`` is absent

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*CAMPAIGN_SORTS[self.form.cleaned_data.get("sort") or "updated"])


class RunFilter(filters.FilterSet):
    state = CommaSeparatedFilter(
        field_name="state",
        lookup_expr="in",
        allowed=RunState.values,
        noun="state",
        help_text="comma-separated run states",
    )
    campaign = _id_filter("campaign_id", "campaign")
    owner = filters.CharFilter(field_name="owner__username", help_text="the owner's username")
    parent = _id_filter("parent_id", "run", help_text="only the child runs of this run")
    kind = OptionalChoiceFilter(
        choices=RunKind.choices,
        help_text="`test`: the editor's one-step test runs, which the list leaves out otherwise",
    )
    # Read by the view (it picks the serializer); here so it is checked and reaches the schema.
    # Not optional: the view reads it, and an empty one is a 400 there.
    steps = filters.ChoiceFilter(
        choices=[(form, form) for form in STEPS_FORMS],
        method="filter_steps",
        empty_label=None,
        help_text="`summary`: no step rows, counts per state instead (page through rows at /runs/{id}/steps/)",
    )

    class Meta:
        model = Run
        fields = ["state", "campaign", "owner", "parent", "kind", "steps"]

    def filter_steps(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset


class AuditFilter(filters.FilterSet):
    team = _id_filter("team_id", "team")
    campaign = _id_filter("about_campaign_id", "campaign")
    actor = filters.CharFilter(field_name="actor_name", help_text="the actor's username")
    action = CommaSeparatedFilter(
        method="filter_action",
        noun="action",
        known=list(ACTIONS),
        allowed=[*ACTIONS, *ACTION_PREFIXES],
        help_text="comma-separated actions or prefixes (campaign matches campaign.*)",
    )
    since = MomentFilter(field_name="at", lookup_expr="gte")
    until = MomentFilter(field_name="at", lookup_expr="lte", end_of_day=True)

    class Meta:
        model = AuditEntry
        fields = ["team", "campaign", "actor", "action", "since", "until"]

    def filter_action(self, queryset: QuerySet, name: str, wanted: list[str]) -> QuerySet:
        if not wanted:
            return queryset
        condition = Q(action__in=[a for a in wanted if a in ACTIONS])
        for prefix in (a for a in wanted if a not in ACTIONS):
            condition |= Q(action__startswith=prefix + ".")
        return queryset.filter(condition)
