"""Persistent database connections: a worker keeps its connection from one request to the next,
and one the server dropped (a restart) is replaced before a request uses it, never a 500."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import connection, connections


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def a_request():
    """What Django does around a request: the signals that close old and dead connections."""
    request_started.send(sender=None)
    try:
        return backend_pid()
    finally:
        request_finished.send(sender=None)


def test_the_settings_keep_connections_and_check_them(settings):
    database = settings.DATABASES["default"]
    assert database["CONN_MAX_AGE"] > 0
    assert database["CONN_HEALTH_CHECKS"] is True


@pytest.mark.django_db(transaction=True)
def test_one_connection_serves_request_after_request():
    assert a_request() == a_request() == a_request()


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_is_replaced_before_the_next_request():
    dropped = a_request()
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [dropped])
    finally:
        other.close()
    assert a_request() != dropped
