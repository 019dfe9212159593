from django.contrib import admin

from core.admin import SoftDeleteAdmin

from .models import Profile


@admin.register(Profile)
class ProfileAdmin(SoftDeleteAdmin):
    list_display = ["user", "name", "website", "is_deleted", "created_at"]
    search_fields = ["user__username", "name", "bio"]
    list_select_related = ["user"]
