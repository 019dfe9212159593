from django.contrib import admin

from core.admin import SoftDeleteAdmin

from .models import Comment, File, Like, Post


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
    parents = ("post",)
    list_display = ["__str__", "type", "url", "is_deleted"]
    list_filter = ["type", *SoftDeleteAdmin.list_filter]
    search_fields = ["url"]


@admin.register(Like)
class LikeAdmin(SoftDeleteAdmin):
    parents = ("post",)
    list_display = ["__str__", "user", "post", "created_at", "is_deleted"]
    # The post column prints the post's __str__, which names its author.
    list_select_related = ["user", "post__author"]
    search_fields = ["user__username"]


@admin.register(Comment)
class CommentAdmin(SoftDeleteAdmin):
    parents = ("post",)
    list_display = ["__str__", "user", "post", "created_at", "is_deleted"]
    list_select_related = ["user", "post__author"]
    search_fields = ["content", "user__username"]
