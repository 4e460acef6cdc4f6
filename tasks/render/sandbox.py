"""The Jinja sandbox every template runs in, and template errors as `file:line: message`.

Jinja's immutable sandbox already refuses `__class__`, `__globals__`, `__subclasses__` and
mutation of lists and dicts. It still lets a template call any other method of the objects
it is given, and the context holds paths (`settings.vault`): `{{ settings.vault.read_text() }}`
or `.write_text(…)` would reach the disk. A user's override template may come from a shared
vault, so calls bound to paths, modules, files or classes are refused too.

Nor does Jinja bound the work a template does. In an environment with override templates
(`untrusted`), `range` is capped at `MAX_RANGE` items, `*`, `**` and `+` refuse results over
`MAX_SIZE` items or digits, calls and filters refuse size arguments over `MAX_SIZE`
(`'x'.ljust(10**10)`), and a render stops after `MAX_STEPS` template lines or
`RENDER_TIMEOUT_SECONDS` (nested loops that would never end). Each refusal is a
`SecurityError` at the template's line. The built-in templates are trusted and run untraced.
"""

from __future__ import annotations

import functools
import io
import os
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import PurePath
from types import FrameType, ModuleType
from typing import Any

from jinja2 import Template, TemplateError, TemplateSyntaxError
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tasks.model import NoteError

_IO_MODULES = frozenset({"os", "posix", "nt", "io", "_io", "shutil", "subprocess", "pathlib", "socket", "sys"})


MAX_RANGE = 10_000
"""Most items one `range()` of an override template may have (Jinja's own cap is 100,000)."""
MAX_SIZE = 1_000_000
"""Most characters, items or digits an operator or a size argument may produce in an override template."""
MAX_STEPS = 2_000_000
"""Most template lines one render of an override template may run (the built-in templates run
about 10,000 for a long note)."""
RENDER_TIMEOUT_SECONDS = 20.0
"""Wall-clock limit of one render of an override template (checked every `_CLOCK_EVERY` lines)."""
_CLOCK_EVERY = 10_000
TEMPLATE_SUFFIXES = (".j2", ".html", ".md", ".txt")
"""Jinja compiles a template to code whose file name is the template's: how its frames are told apart."""


def _size(value: Any) -> int:
    """Length of a sized value (a string, list…), else 0."""
    return len(value) if isinstance(value, str | bytes | list | tuple) else 0


def _too_big(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SIZE


def bounded_range(*args: int) -> range:
    """`range` capped at `MAX_RANGE` items."""
    items = range(*args)
    if len(items) > MAX_RANGE:
        raise SecurityError(f"range() of {len(items):,} items is over the limit of {MAX_RANGE:,}")
    return items


def bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` refusing size arguments over `MAX_SIZE` (`center(10**9)`, `indent(10**9)`)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if any(_too_big(a) for a in (*args, *kwargs.values())):
            raise SecurityError(f"filter '{name}': an argument is over the size limit of {MAX_SIZE:,}")
        return func(*args, **kwargs)

    return wrapper


class OsmuSandbox(ImmutableSandboxedEnvironment):
    """Immutable sandbox that also refuses calls reaching the file system or the process, and,
    once `untrust()`ed (override templates), bounds ranges, sizes and the work of a render."""

    untrusted = False
    """True when the environment loads override templates (see `untrust`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._safe_attributes: dict[tuple[type, str], bool] = {}

    def untrust(self) -> None:
        """Bound what templates may do: call after the filters are registered."""
        self.untrusted = True
        self.globals["range"] = bounded_range
        self.filters = {name: bounded_filter(name, f) for name, f in self.filters.items()}
        self.intercepted_binops = frozenset({"*", "**", "+"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """`*`, `**` and `+` refuse results over `MAX_SIZE` items (or digits) before computing them."""
        if operator == "*":
            times = right if isinstance(right, int) else left if isinstance(left, int) else 1
            if max(_size(left), _size(right)) * abs(int(times)) > MAX_SIZE:
                raise SecurityError(f"'*' would make more than {MAX_SIZE:,} items")
        elif operator == "**":
            if isinstance(left, int | float) and isinstance(right, int | float) and abs(right) > 64 and abs(left) > 1:
                raise SecurityError("'**' with an exponent over 64")
        elif operator == "+" and _size(left) + _size(right) > MAX_SIZE:
            raise SecurityError(f"'+' would make more than {MAX_SIZE:,} items")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Jinja's checked call; in an untrusted environment size arguments are bounded too."""
        if __self.untrusted and any(_too_big(a) for a in (*args, *kwargs.values())):
            raise SecurityError(f"{getattr(__obj, '__name__', 'call')}(): an argument is over the size limit")
        return super().call(__context, __obj, *args, **kwargs)

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


class _Budget:
    """Counts the lines template code runs in this thread; raises `SecurityError` past the limits."""

    def __init__(self) -> None:
        self.steps = 0
        self.deadline = time.monotonic() + RENDER_TIMEOUT_SECONDS

    def calls(self, frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        """Global trace function: trace only frames of template code."""
        return self.lines if frame.f_code.co_filename.endswith(TEMPLATE_SUFFIXES) else None

    def lines(self, frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        """Local trace function of a template frame."""
        if event == "line":
            self.steps += 1
            if self.steps > MAX_STEPS:
                raise SecurityError(f"the template ran more than {MAX_STEPS:,} steps; stopped")
            if self.steps % _CLOCK_EVERY == 0 and time.monotonic() > self.deadline:
                raise SecurityError(f"the template ran longer than {RENDER_TIMEOUT_SECONDS:g} s; stopped")
        return self.lines


def render_template(template: Template, context: Mapping[str, Any]) -> str:
    """`template.render(context)`; under a step and time budget when its environment is untrusted."""
    env = template.environment
    if not getattr(env, "untrusted", False):
        return template.render(context)
    previous = sys.gettrace()
    sys.settrace(_Budget().calls)
    try:
        return template.render(context)
    finally:
        sys.settrace(previous)
