"""What the user's cache keeps (tasks/cache.py): results keyed by all they are made of, bounded, private."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks import cache
from tasks.builders import carousel
from tasks.builders.carousel import Slide, find_font, slide_image


def test_a_slide_is_drawn_once_and_again_when_its_text_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSMU_CACHE_DIR", str(tmp_path))
    drawn: list[Slide] = []
    real = carousel.render_slide

    def counting(slide: Slide, *args: object) -> bytes:
        drawn.append(slide)
        return real(slide, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(carousel, "render_slide", counting)
    face = find_font()
    slide = Slide("과정을 공유하라", "만드는 과정이 곧 콘텐츠가 된다.", 2, 5, footer="프로세스 이코노미")
    first = slide_image(slide, face)
    assert slide_image(slide, face) == first and len(drawn) == 1
    assert first == real(slide, face)  # the cached bytes are the drawn bytes
    other = slide_image(Slide("과정을 공유하라", "다른 문장.", 2, 5, footer="프로세스 이코노미"), face)
    assert other != first and len(drawn) == 2
    (entry,) = [p for p in (tmp_path / "slides").iterdir() if p.read_bytes() == first]
    entry.write_bytes(b"not a png")  # a damaged entry is drawn again
    assert slide_image(slide, face) == first and len(drawn) == 3
    assert {p.stat().st_mode & 0o777 for p in (tmp_path / "slides").iterdir()} == {0o600}
    assert (tmp_path / "slides").stat().st_mode & 0o777 == 0o700


def test_each_kind_keeps_only_its_newest_entries(tmp_path: Path) -> None:
    for n in range(30):
        cache.keep("things", f"k{n:02d}", b"x" * n, newest=8, folder=tmp_path)
    kept = sorted(p.name for p in (tmp_path / "things").iterdir())
    assert len(kept) <= 10 and "k29" in kept and "k00" not in kept
    assert cache.recall("things", "k29", tmp_path) == b"x" * 29 and cache.recall("things", "k00", tmp_path) is None


def test_a_read_only_cache_only_costs_the_work(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("", encoding="utf-8")
    cache.keep("things", "k", b"data", newest=8, folder=blocked)  # cannot create: no error
    assert cache.recall("things", "k", blocked) is None
