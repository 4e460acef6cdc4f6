"""Run the system Chromium headless (Debian package) on a local file: DOM dumps and screenshots."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.conftest import require_system

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


def chromium(page: Path, work: Path, *args: str) -> str:
    """Run Chromium on `page` with extra `args`; returns stdout (skips/fails when missing)."""
    return run(page, work, *args).stdout


def console_messages(page: Path, work: Path) -> list[str]:
    """What the page wrote to the browser console (errors included) while loading."""
    done = run(page, work, "--enable-logging=stderr", "--v=0", "--dump-dom")
    return [line for line in done.stderr.splitlines() if ":CONSOLE" in line]


def run(page: Path, work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Chromium's completed process for `page`."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        require_system("chromium")
    assert exe is not None
    command = [exe, *FLAGS, f"--user-data-dir={work / 'profile'}", *args, page.resolve().as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def screenshot(page: Path, work: Path, width: int, height: int) -> Path:
    """A PNG of `page` in a `width`×`height` window."""
    target = work / f"{page.stem}.png"
    chromium(page, work, f"--window-size={width},{height}", f"--screenshot={target}")
    return target
