"""schemathesis over the API's own OpenAPI schema, signed in with a token: no 5xx, every answer as documented."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import settings as hypothesis_settings
from schemathesis import checks

from campaigns_app.api.parsers import json_body_fault
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
# bodies), and a request valid by the schema must not be refused with a 400 ("positive data acceptance"),
# except by the operations below, whose 400s for schema-valid data follow rules OpenAPI cannot state. The
# stateful resource checks are left to the state-machine test.
EXCLUDED = [checks.use_after_free, checks.ensure_resource_availability]
POSITIVE_DATA_REFUSED = {
    # Whether a password is the current one, or good enough for Django's validators.
    "POST /api/auth/password/": "the current password must be right and the new one pass the password validators",
    "POST /api/users/": "the password must pass Django's validators; a username must be free",
    "POST /api/teams/": "a team name must be free",
    "PATCH /api/teams/{id}/": "a team name must be free",
    # The graph validator's rules: a step at least, functions and backends that exist, no cycle, placeholders
    # that name something.
    "POST /api/campaigns/": "the graph validator's rules (steps, known functions and backends, no cycle)",
    "PUT /api/campaigns/{id}/": "the graph validator's rules",
    "PATCH /api/campaigns/{id}/": "the graph validator's rules",
    "POST /api/campaigns/import/": "the document must be a campaign the graph validator accepts",
    "POST /api/campaigns/{id}/test-step/": "the step must be one the graph validator accepts",
    # Ids in bodies name rows of this database: one that names nothing of yours is a 400 naming the field.
    "POST /api/external-runs/": "campaign must name an attached-script campaign of yours",
    "POST /api/runs/cancel/": "batch must name a batch of runs",
    "POST /api/runs/retry/": "batch must name a batch of runs",
}


def positive_data_checked(case) -> bool:
    """Whether a 400 for this request would break the schema's promise.

    Text that no database column can store (NUL, unpaired surrogates) is refused in every key and value, and an
    OpenAPI 3.0 schema cannot forbid it in the keys of free-form objects.
    """
    if case.operation.label in POSITIVE_DATA_REFUSED:
        return False
    sent = json.dumps([case.body, case.query, case.path_parameters], default=str, ensure_ascii=False)
    return json_body_fault(json.loads(sent), limit=10_000) is None


@schema.parametrize()
@hypothesis_settings(max_examples=max(3, EXAMPLES // 8))
def test_every_operation_answers_as_documented(case, token):
    excluded = EXCLUDED if positive_data_checked(case) else [*EXCLUDED, checks.positive_data_acceptance]
    case.call_and_validate(app=WSGI, headers={"Authorization": f"Token {token}"}, excluded_checks=excluded)


def test_every_exemption_from_positive_data_names_an_operation():
    labels = {operation.ok().label for operation in schema.get_all_operations()}
    assert set(POSITIVE_DATA_REFUSED) <= labels


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
