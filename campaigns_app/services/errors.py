from __future__ import annotations


class ServiceError(Exception):
    """A fault the user caused; the API answers it with ``status`` and ``detail``."""

    status = 400

    def __init__(self, detail):
        super().__init__(str(detail))
        self.detail = detail


class DefinitionInvalid(ServiceError):
    """A campaign's parameters or graph are wrong; ``detail`` maps field → faults."""


class ParametersInvalid(ServiceError):
    """Launch parameters do not fit the declarations; ``detail`` maps name → messages."""


class ActionForbidden(ServiceError):
    """The user may see the thing but not do this to it; ``detail`` says why."""

    status = 403


class EditConflict(ServiceError):
    """An edit based on an old version; ``detail`` holds the current version and what changed since."""

    status = 409


class StateConflict(ServiceError):
    """The thing is busy in a way that forbids this now (a campaign with active runs); ``detail`` says how."""

    status = 409


def forbid(refusal: str | None, **extra) -> None:
    """Raise ActionForbidden with a policy's refusal (``policies``), if there is one."""
    if refusal is not None:
        raise ActionForbidden({"detail": refusal, **extra})
