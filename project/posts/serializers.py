from rest_framework import serializers

from core.serializers import ModelSerializer, URLField

from . import services
from .models import Comment, File, Like, Post


class FileSerializer(ModelSerializer):
    class Meta:
        model = File
        fields = ["id", "post", "type", "url", "position", "metadata", "created_at"]
        read_only_fields = fields


class FileInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=File.Type.choices)
    url = URLField(max_length=500)


class PostSerializer(ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)
    author_name = serializers.CharField(source="author.profile.name", read_only=True, default=None)
    files = FileSerializer(many=True, read_only=True)
    like_count = serializers.IntegerField(read_only=True)
    comment_count = serializers.IntegerField(read_only=True)
    liked_by_me = serializers.BooleanField(read_only=True)

    class Meta:
        model = Post
        fields = [
            "id",
            "author",
            "author_name",
            "content",
            "files",
            "like_count",
            "comment_count",
            "liked_by_me",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class PostCreateSerializer(ModelSerializer):
    files = FileInputSerializer(many=True, allow_empty=False, max_length=10)

    class Meta:
        model = Post
        fields = ["content", "files"]

    def create(self, validated_data):
        return services.post_create(author=self.context["request"].user, **validated_data)


class PostUpdateSerializer(ModelSerializer):
    class Meta:
        model = Post
        fields = ["content"]

    def update(self, instance, validated_data):
        # A PATCH may leave content out ({} or only unknown fields): then nothing changes.
        return services.post_update(post=instance, **validated_data)


class CommentSerializer(ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "post", "user", "content", "created_at", "updated_at"]
        read_only_fields = ["post", "created_at", "updated_at"]

    def update(self, instance, validated_data):
        return services.comment_update(comment=instance, **validated_data)


class LikeSerializer(ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Like
        fields = ["id", "post", "user", "created_at"]
        read_only_fields = fields
