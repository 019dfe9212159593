from django.contrib import admin

from .models import Comment, File, Like, Post


class SoftDeleteAdmin(admin.ModelAdmin):
    """Shows deleted rows too (filter on is_deleted), so an admin can restore them."""

    list_filter = ["is_deleted", "created_at"]
    actions = ["restore_selected"]
    # Related rows a soft delete of this model marks too (listed on the confirmation page).
    cascade: tuple[str, ...] = ()

    def get_deleted_objects(self, objs, request):
        # Django's version collects rows to remove physically, and every on_delete=PROTECT
        # relation (a post's files, likes, comments) then blocks the deletion outright.
        # A soft delete removes nothing: list what gets marked deleted instead.
        objs = list(objs)
        deleted, counts, models = [], {}, {self.model}
        counts[self.model._meta.verbose_name_plural] = len(objs)
        for obj in objs:
            related = []
            for name in self.cascade:
                for row in getattr(obj, name).all():
                    models.add(type(row))
                    plural = row._meta.verbose_name_plural
                    counts[plural] = counts.get(plural, 0) + 1
                    related.append(str(row))
            deleted.extend([str(obj), related] if related else [str(obj)])
        perms_needed = {
            model._meta.verbose_name
            for model in models
            if not request.user.has_perm(f"{model._meta.app_label}.delete_{model._meta.model_name}")
        }
        return deleted, counts, perms_needed, []

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
    cascade = ("files", "likes", "comments")


@admin.register(File)
class FileAdmin(SoftDeleteAdmin):
    list_display = ["__str__", "type", "url", "is_deleted"]
    list_filter = ["type", *SoftDeleteAdmin.list_filter]
    search_fields = ["url"]


@admin.register(Like)
class LikeAdmin(SoftDeleteAdmin):
    list_display = ["__str__", "user", "post", "created_at", "is_deleted"]
    # The post column prints the post's __str__, which names its author.
    list_select_related = ["user", "post__author"]
    search_fields = ["user__username"]


@admin.register(Comment)
class CommentAdmin(SoftDeleteAdmin):
    list_display = ["__str__", "user", "post", "created_at", "is_deleted"]
    list_select_related = ["user", "post__author"]
    search_fields = ["content", "user__username"]
