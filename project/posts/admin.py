from django.contrib import admin

from .models import Comment, File, Like, Post


class SoftDeleteAdmin(admin.ModelAdmin):
    """Shows deleted rows too (filter on is_deleted), so an admin can restore them."""

    list_filter = ["is_deleted", "created_at"]
    actions = ["restore_selected"]

    def get_queryset(self, request):
        queryset = self.model.all_objects.all()
        related = getattr(self, "list_select_related", None)
        return queryset.select_related(*related) if related else queryset

    @admin.action(description="Restore selected rows")
    def restore_selected(self, request, queryset):
        for obj in queryset:
            obj.restore()


class FileInline(admin.TabularInline):
    model = File
    extra = 0
    fields = ["type", "url", "position", "is_deleted"]


@admin.register(Post)
class PostAdmin(SoftDeleteAdmin):
    list_display = ["__str__", "author", "created_at", "is_deleted"]
    list_select_related = ["author"]
    search_fields = ["content", "author__username"]
    inlines = [FileInline]


@admin.register(File)
class FileAdmin(SoftDeleteAdmin):
    list_display = ["__str__", "type", "url", "is_deleted"]
    list_filter = ["type", *SoftDeleteAdmin.list_filter]
    search_fields = ["url"]


@admin.register(Like)
class LikeAdmin(SoftDeleteAdmin):
    list_display = ["__str__", "user", "post", "created_at", "is_deleted"]
    list_select_related = ["user"]
    search_fields = ["user__username"]


@admin.register(Comment)
class CommentAdmin(SoftDeleteAdmin):
    list_display = ["__str__", "user", "post", "created_at", "is_deleted"]
    list_select_related = ["user"]
    search_fields = ["content", "user__username"]
