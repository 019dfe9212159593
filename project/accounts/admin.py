from django.contrib import admin

from .models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "website", "is_deleted", "created_at"]
    list_filter = ["is_deleted"]
    search_fields = ["user__username", "name", "bio"]
    list_select_related = ["user"]

    def get_queryset(self, request):
        return Profile.all_objects.select_related("user")
