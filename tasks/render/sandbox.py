"""The Jinja sandbox every template runs in, and template errors as `file:line: message`.

Jinja's immutable sandbox already refuses `__class__`, `__globals__`, `__subclasses__` and
mutation of lists and dicts. It still lets a template call any other method of the objects
it is given, and the context holds paths (`settings.vault`): `{{ settings.vault.read_text() }}`
or `.write_text(…)` would reach the disk. A user's override template may come from a shared
vault, so calls bound to paths, modules, files or classes are refused too.
"""

from __future__ import annotations

import io
import os
import traceback
from pathlib import PurePath
from types import ModuleType
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tasks.model import NoteError

_IO_MODULES = frozenset({"os", "posix", "nt", "io", "_io", "shutil", "subprocess", "pathlib", "socket", "sys"})


class OsmuSandbox(ImmutableSandboxedEnvironment):
    """Immutable sandbox that also refuses calls reaching the file system or the process."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._safe_attributes: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Jinja's answer, remembered per (type, attribute name): its checks look at nothing
        else (isinstance and name tests), and templates ask them ~300 times a note (a tenth
        of the render stage in bench/run)."""
        key = (type(obj), attr)
        safe = self._safe_attributes.get(key)
        if safe is None:
            safe = self._safe_attributes[key] = super().is_safe_attribute(obj, attr, value)
        return safe

    def is_safe_callable(self, obj: Any) -> bool:
        """Refuse methods bound to paths, modules, files or classes, and os/io functions."""
        if not super().is_safe_callable(obj):
            return False
        owner = getattr(obj, "__self__", None)
        if isinstance(owner, PurePath | ModuleType | io.IOBase | os.DirEntry):
            return False
        if isinstance(owner, type) and issubclass(owner, PurePath | io.IOBase):
            return False  # classmethods such as Path.cwd / Path.home
        return getattr(obj, "__module__", None) not in _IO_MODULES and obj is not open


def template_error(exc: Exception, fallback: str) -> NoteError:
    """A Jinja error (syntax, undefined, sandbox) as `template:line: message`."""
    name, line = fallback, 0
    if isinstance(exc, TemplateSyntaxError):
        name, line = exc.filename or exc.name or fallback, exc.lineno
    else:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.endswith((".j2", ".html", ".md", ".txt")):  # Jinja maps frames to template lines
                name, line = frame.filename, frame.lineno or 0
                break
    kind = type(exc).__name__ if isinstance(exc, TemplateError) else "error"
    message = str(exc).splitlines()[0] if str(exc).strip() else kind
    return NoteError(name, line, f"template {kind}: {message}")
