"""The services `hub` knows how to migrate, seed and start."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import MetaData

from shared.db import Database
from shared.settings import ServiceSettings


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    port_offset: int
    app_factory: str
    settings_path: str
    metadata_path: str
    demo_path: str | None

    def settings(self) -> ServiceSettings:
        module, attr = self.settings_path.split(":")
        cls = getattr(importlib.import_module(module), attr)
        settings: ServiceSettings = cls()
        return settings

    def metadata(self) -> MetaData:
        module, attr = self.metadata_path.split(":")
        metadata: MetaData = getattr(importlib.import_module(module), attr).metadata
        return metadata

    def demo(self) -> Callable[[Database, int], Awaitable[bool]] | None:
        if self.demo_path is None:
            return None
        module, attr = self.demo_path.split(":")
        loader: Callable[[Database, int], Awaitable[bool]] = getattr(
            importlib.import_module(module), attr
        )
        return loader


SERVICES: dict[str, ServiceSpec] = {
    "activity": ServiceSpec(
        "activity",
        1,
        "services.activity.app:create_app",
        "services.activity.config:ActivitySettings",
        "services.activity.models:ActivityTable",
        "services.activity.demo:load_demo",
    ),
    "survey": ServiceSpec(
        "survey",
        2,
        "services.survey.app:create_app",
        "services.survey.config:SurveySettings",
        "services.survey.models:SurveyTable",
        "services.survey.demo:load_demo",
    ),
    "kpi": ServiceSpec(
        "kpi",
        3,
        "services.kpi.app:create_app",
        "services.kpi.config:KpiSettings",
        "services.kpi.models:KpiTable",
        "services.kpi.demo:load_demo",
    ),
}
GATEWAY_FACTORY = "gateway.app:create_app"
