import pytest

from scripts.stack import terminate
from tests.live import start_daphne


@pytest.fixture(scope="package")
def studio_url(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        daphne, url = start_daphne(tmp_path_factory.mktemp("attach-logs"))
    yield url
    terminate([daphne])
