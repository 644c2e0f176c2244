from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .models import (
    ApiToken,
    AuditEntry,
    Campaign,
    CampaignVersion,
    Membership,
    Run,
    RunEvent,
    StepRun,
    Team,
    UserCapabilities,
)
from .services.audit import Action, audit_record


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "owner", "team", "visibility", "version", "updated_at")
    list_filter = ("visibility", "team")
    search_fields = ("name", "description")


@admin.register(CampaignVersion)
class CampaignVersionAdmin(admin.ModelAdmin):
    list_display = ("id", "campaign", "number", "created_by", "created_at")


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ("id", "campaign", "state", "owner", "created_at", "finished_at")
    list_filter = ("state",)


@admin.register(StepRun)
class StepRunAdmin(admin.ModelAdmin):
    list_display = ("id", "run", "step_id", "state", "attempts", "started_at", "finished_at")
    list_filter = ("state", "backend")


@admin.register(RunEvent)
class RunEventAdmin(admin.ModelAdmin):
    list_display = ("id", "run", "seq", "type", "step_id", "state", "at")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    """Site admins allow a team executable steps here (``may_run_executables``); its admins cannot."""

    list_display = ("id", "name", "may_run_executables", "executable_min_role", "created_at")
    list_filter = ("may_run_executables",)
    list_editable = ("may_run_executables",)
    search_fields = ("name",)
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "may_run_executables" in form.changed_data:
            audit_record(
                actor=request.user,
                action=Action.TEAM_EDIT,
                target=obj,
                team=obj,
                details={
                    "may_run_executables": [not obj.may_run_executables, obj.may_run_executables],
                    "via": "admin site",
                },
            )


class UserCapabilitiesInline(admin.StackedInline):
    model = UserCapabilities
    fk_name = "user"
    can_delete = False
    fields = ("may_run_executables", "granted_by", "updated_at")
    readonly_fields = ("granted_by", "updated_at")
    verbose_name = verbose_name_plural = "rights beyond the user's teams"


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StudioUserAdmin(UserAdmin):
    """Django's user admin, plus whether campaigns outside any team may hold executable steps for the user."""

    inlines = [*UserAdmin.inlines, UserCapabilitiesInline]

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            capabilities = inline_form.instance
            if isinstance(capabilities, UserCapabilities) and "may_run_executables" in inline_form.changed_data:
                capabilities.granted_by = request.user
        super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            capabilities = inline_form.instance
            if isinstance(capabilities, UserCapabilities) and "may_run_executables" in inline_form.changed_data:
                audit_record(
                    actor=request.user,
                    action=Action.USER_CAPABILITIES,
                    target=capabilities.user,
                    target_repr=capabilities.user.get_username(),
                    details={"may_run_executables": capabilities.may_run_executables, "via": "admin site"},
                )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens can be looked at and revoked here; keys are never shown (only their hash is stored)."""

    list_display = ("id", "user", "name", "kind", "prefix", "created_at", "last_used_at")
    list_filter = ("kind",)
    readonly_fields = ("user", "name", "kind", "prefix", "key_hash", "created_at", "last_used_at")
    search_fields = ("user__username", "name", "prefix")

    def has_add_permission(self, request):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_name", "action", "target_type", "target_repr", "team", "address")
    list_filter = ("action", "team")
    search_fields = ("actor_name", "target_repr")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
