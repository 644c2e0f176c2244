import os
import sys

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asyncflow_site.settings")

# Worker threads mostly wait on SQL, Redis and sleeping steps.  A thread that
# returns from such a call must win the GIL back, and with the default 5 ms
# switch interval it can wait that long behind any busy thread on every
# statement; 0.5 ms keeps a step's claim/record path in the low milliseconds.
sys.setswitchinterval(float(os.environ.get("STUDIO_GIL_SWITCH_INTERVAL_S", "0.0005")))

app = Celery("asyncflow_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def broker_warm_up() -> None:
    """Open a broker connection and load what the first ``send_task`` of a process would (~150 ms).

    Called off the request path when the web process starts, so the first
    launch does not pay for it; a broker that is down is left to the sends.
    """
    try:
        app.backend  # noqa: B018 (read to resolve it) the (disabled) result backend, resolved through entry points on first use
        with app.producer_or_acquire() as producer:
            producer.connection.ensure_connection(max_retries=1)
    except Exception:  # noqa: BLE001 - only a head start; sending reports its own errors
        pass
