"""schemathesis over the API's own OpenAPI schema, signed in with a token: no 5xx, every answer as documented."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import settings as hypothesis_settings
from schemathesis import checks

from campaigns_app.services import run_launch
from tests.conftest import make_user, seed_definition

from .conftest import EXAMPLES

WSGI = get_wsgi_application()
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(public=True))
# Signing out would end the token's session mid-run; the admin's own pages are not part of the API.
schema = schema.exclude(path="/api/auth/logout/")
schema.app = WSGI

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(db):
    """A staff user with a campaign, a run and a team, so ids that exist are among the ones tried."""
    from campaigns_app.services import campaign_create
    from tests.conftest import login_token_for

    user = make_user("root", is_staff=True, is_superuser=True)
    campaign = campaign_create(owner=user, **seed_definition(step_seconds=0.01))
    run_launch(campaign=campaign, user=user, parameters={"name": "A"})
    return login_token_for(user)


@pytest.fixture(autouse=True)
def one_transaction():
    """Requests share the test's transaction, as Django's test client arranges."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Every answer is checked against the schema (no 5xx, documented status codes, content types, headers and
# bodies).  Left out: "a schema-valid request must succeed" (the schema cannot express rules such as "a
# campaign needs a step"; those are 400s naming the fault) and the stateful resource checks.
EXCLUDED = [checks.positive_data_acceptance, checks.use_after_free, checks.ensure_resource_availability]


@schema.parametrize()
@hypothesis_settings(max_examples=max(3, EXAMPLES // 8))
def test_every_operation_answers_as_documented(case, token):
    case.call_and_validate(app=WSGI, headers={"Authorization": f"Token {token}"}, excluded_checks=EXCLUDED)


# Sequences of calls along the links schemathesis infers from the schema (create, then read, change, delete
# what was made), with its stateful checks on: a deleted resource must be gone, a created one must be there.
# ``ignored_auth`` is left to the test above: here every call carries the real token over what was generated.
STATEFUL_EXCLUDED = [checks.positive_data_acceptance, checks.ignored_auth]
StateMachine = schema.as_state_machine()


def test_linked_operations_answer_as_documented(token):
    headers = {"Authorization": f"Token {token}"}

    class Workflow(StateMachine):  # type: ignore[valid-type,misc]
        # Each scenario starts from the same database, so that replaying one (shrinking) sees the same answers.
        def setup(self):
            self.savepoint = transaction.atomic()
            self.savepoint.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self.savepoint.__exit__(None, None, None)

        def get_call_kwargs(self, case):
            return {"app": WSGI, "headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, excluded_checks=STATEFUL_EXCLUDED, additional_checks=additional_checks)

    Workflow.run(settings=hypothesis_settings(max_examples=max(5, EXAMPLES // 3), stateful_step_count=6))
