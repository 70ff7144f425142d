"""The hub's exception family: bad config, unknown things and refused requests."""

from __future__ import annotations


class HubError(Exception):
    """The hub could not do what was asked; a subclass says why."""


class ConfigError(HubError):
    """The hub's config has a bad key or value; the operator has to fix it before a start."""


class StoreError(HubError):
    """The hub's SQLite database is missing, too new or otherwise unusable."""


class _Answer(HubError):
    """A refusal that names the field at fault, for a till or an HTTP client to show."""

    error = "refused"

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(field, reason)

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason

    def as_dict(self) -> dict[str, str]:
        return {"error": self.error, "field": self.field, "reason": self.reason}


class NotFound(_Answer):
    """A receipt, product or SKU asked for does not exist at this hub."""

    error = "not_found"


class Refused(_Answer):
    """A well-formed request the business rules refuse, such as a payment that falls short."""

    error = "refused"


class Conflict(_Answer):
    """A request that contradicts what is already recorded, such as a reused sale id."""

    error = "conflict"
