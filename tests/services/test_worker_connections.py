"""Workers keep a database connection across tasks and close it the way Django does after a request."""

import time
from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from asyncflow_site.celery import app
from campaigns_app.tasks import database_connections_tidy

# Connections are opened and closed here, outside any test transaction.
pytestmark = pytest.mark.django_db(transaction=True)

TASK = SimpleNamespace(request=SimpleNamespace(is_eager=False))


def test_celerys_django_fixup_leaves_the_connection_open_between_tasks():
    connection.ensure_connection()
    opened = connection.connection
    fixup = DjangoWorkerFixup(app)
    fixup.on_task_prerun(sender=TASK)
    fixup.on_task_postrun(sender=TASK)
    assert connection.connection is opened


def test_a_connection_past_its_max_age_is_closed_around_a_task():
    connection.ensure_connection()
    opened = connection.connection
    connection.close_at = time.monotonic() + 60
    database_connections_tidy()
    assert connection.connection is opened
    connection.close_at = time.monotonic() - 1
    database_connections_tidy()
    assert connection.connection is None
