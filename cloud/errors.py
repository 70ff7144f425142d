"""What can go wrong in the cloud, as one small family of exceptions."""

from __future__ import annotations


class CloudError(Exception):
    """Something in the cloud side failed; the message says what and how to fix it."""


class ConfigError(CloudError):
    """A setting is missing, unknown or out of range; fix the config, retrying will not help."""


class NotFound(CloudError):
    """The thing asked for does not exist."""


class Conflict(CloudError):
    """A write would break a uniqueness rule (a SKU or a barcode already taken)."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")

    def as_dict(self) -> dict[str, str]:
        return {"error": "conflict", "field": self.field, "reason": self.reason}


class BrokerUnavailable(CloudError):
    """The MQTT broker could not be reached or did not confirm a publish; retry later."""


class InvalidFile(CloudError):
    """An input file (a product CSV) has problems; `problems` lists each with its line."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} problem(s), nothing imported")
