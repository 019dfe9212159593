"""The admin of soft-deleted models: deleted rows listed too, a restore action, delete that only marks."""

from django.contrib import admin, messages


class SoftDeleteAdmin(admin.ModelAdmin):
    """Shows deleted rows too (filter on is_deleted), so an admin can restore them."""

    list_filter = ["is_deleted", "created_at"]
    actions = ["restore_selected"]
    # Related rows a soft delete of this model marks too (listed on the confirmation page).
    cascade: tuple[str, ...] = ()
    # Soft-deleted rows this model's rows belong to: a row whose parent is deleted stays deleted.
    parents: tuple[str, ...] = ()

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

    @admin.action(description="Restore selected rows", permissions=["change"])
    def restore_selected(self, request, queryset):
        """Restoring is changing: it needs the change permission. A row whose parent is deleted
        is not restored alone (the API would show a comment of a post it answers 404 for)."""
        restored = 0
        for obj in queryset:
            gone = [name for name in self.parents if getattr(obj, name).is_deleted]
            if gone:
                name = gone[0]
                self.message_user(
                    request,
                    f"{obj} was not restored: its {name} is deleted; restore the {name} first.",
                    messages.ERROR,
                )
            elif obj.is_deleted:
                obj.restore()
                restored += 1
        if restored:
            self.message_user(request, f"Restored {restored} row{'s' if restored != 1 else ''}.")
