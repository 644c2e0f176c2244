from django.contrib import admin

from .models import Campaign, CampaignVersion, Run, RunEvent, StepRun


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "owner", "version", "updated_at")
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
