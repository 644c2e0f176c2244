from django.contrib import admin

from .models import ApiToken, AuditEntry, Campaign, CampaignVersion, Membership, Run, RunEvent, StepRun, Team


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
    list_display = ("id", "name", "executable_min_role", "created_at")
    search_fields = ("name",)
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens can be looked at and revoked here; keys are never shown (only their hash is stored)."""

    list_display = ("id", "user", "name", "prefix", "created_at", "last_used_at")
    readonly_fields = ("user", "name", "prefix", "key_hash", "created_at", "last_used_at")
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
