"""Serve the API under gunicorn, configured from the cloud's settings rather than a file."""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import BaseApplication

from ..config import CloudConfig, warn_if_exposed

log = logging.getLogger(__name__)


class ApiServer(BaseApplication):
    """gunicorn running `create_app(config)` in each worker process."""

    def __init__(self, config: CloudConfig, workers: int | None = None) -> None:
        self.config = config
        self.options = {
            "bind": f"{config.api.host}:{config.api.port}",
            "workers": workers or config.api.workers,
            "accesslog": "-",
            "errorlog": "-",
            "loglevel": "info",
            "proc_name": "shopfloor-cloud-api",
            # Build the app in each worker: database connections must not cross a fork.
            "preload_app": False,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from . import create_app

        return create_app(self.config)


def serve(config: CloudConfig, workers: int | None = None) -> int:
    """Run the API until gunicorn is told to stop (SIGTERM, SIGINT)."""
    warn_if_exposed(config)
    ApiServer(config, workers).run()
    return 0
