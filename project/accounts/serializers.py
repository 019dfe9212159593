from rest_framework import serializers

from core.serializers import ModelSerializer

from .models import Profile


class ProfileSerializer(ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Profile
        fields = ["username", "name", "website", "bio", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
