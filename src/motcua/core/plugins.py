"""A registry of plugins chosen by a setting: a short name (`<package>.contrib.<name>`, imported on first use)
or a dotted path to a class. Used for anything with several real-world providers: signers (ADR 0019),
payment gateways (ADR 0028). One instance per name and process."""

from __future__ import annotations

import importlib
from typing import Generic, TypeVar

from django.conf import settings
from django.utils.module_loading import import_string

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, package: str, setting: str):
        self.package, self.setting = package, setting
        self.classes: dict[str, type[T]] = {}
        self.instances: dict[str, T] = {}

    def register(self, cls: type[T]) -> type[T]:
        """Class decorator of a plugin, registered under its `name`."""
        self.classes[cls.name] = cls
        return cls

    def get(self, name: str | None = None) -> T:
        """The plugin of this name (default: the one the setting names)."""
        name = name or getattr(settings, self.setting)
        if name not in self.instances:
            if "." in name:
                cls = import_string(name)
            else:
                if name not in self.classes:
                    importlib.import_module(f"{self.package}.contrib.{name}")
                cls = self.classes[name]
            self.instances[name] = cls()
        return self.instances[name]

    def reset(self) -> None:
        """Forget the instances (tests that change the settings)."""
        self.instances.clear()
