"""Serializer parts the apps share: text fields that take text only."""

from django.core.validators import URLValidator
from django.db import models
from rest_framework import serializers

from .validators import http_url


class TextField(serializers.CharField):
    """A CharField that refuses numbers (DRF's would store {"content": 0} as "0") and counts the
    length of the text as sent, before trimming, as the schema's maxLength does."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class URLField(serializers.URLField):
    """A URL checked by core.validators.http_url alone (one message, not two), text only."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, URLValidator)]
        if http_url not in self.validators:
            self.validators.append(http_url)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TextField,
        models.TextField: TextField,
        models.URLField: URLField,
    }
