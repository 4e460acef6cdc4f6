"""The splitter on notes it was not designed on: no crash, every sentence in exactly one insight."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.insight_eval import score
from tasks.vault.privacy import is_daily
from tests.conftest import EXAMPLE_VAULT, FIXTURES
from tests.helpers import pipeline

NOTES = {
    "plain-korean.md": """오늘 읽은 글에서 가장 기억에 남는 건 작은 가게의 이야기였다.
사장님은 매일 아침 손님 이름을 외운다고 했다.

그게 마케팅이라고 생각하지 않는다고 했다. 그냥 그게 장사라고.

## 생각

좋은 가게는 물건보다 사람을 먼저 기억한다.
""",
    "english-mixed.md": """---
title: Mixed English note
tags: [test]
---
# Mixed

Intro paragraph with **bold** and a [[missing-note|link]] and ![[image.png|200]].

## Lists

* Star bullet one.
    * Deep nested under one.
        * Deeper still.
+ Plus bullet two
1. Real ordered one
2. Real ordered two
   - nested under two

- [x] done task
- [ ] open task

| a | b |
|---|---|
| 1 | 2 |

```python
print("code is not prose")
```

> [!tip]- Folded tip
> Callout body line one.
> Callout body line two.

> A plain quote
> over two lines.

## Empty section

## 🎯 Emoji heading
Three reasons:
- first reason
- second reason
- third reason
""",
    "labels-in-a-row.md": """# 라벨이 많은 메모

- 첫째 원칙
- 둘째 원칙
- 셋째 원칙
- 정리하면 이렇다.
- 질문 하나?
- 답 하나.
- 이게 핵심.
- 이유는
- 1. 하나
- 2. 둘
#### 인용문 한 줄.
- 그렇기 때문에 중요하다.
""",
    "only-title.md": "# 제목만 있는 노트\n",
}


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("robust") / "vault"
    shutil.copytree(EXAMPLE_VAULT, root, ignore=shutil.ignore_patterns("_osmu"))
    target = root / "99-robust"
    target.mkdir()
    for name, text in NOTES.items():
        (target / name).write_text(text, encoding="utf-8")
    for fixture in ("bom.md", "crlf.md", "obsidian_syntax.md"):
        shutil.copy(FIXTURES / "notes" / fixture, target / fixture)
    for fixture in (FIXTURES / "insights").glob("*.md"):
        shutil.copy(fixture, target / fixture.name)
    return root


def _notes(vault: Path) -> list[str]:
    found = sorted(p.relative_to(vault).as_posix() for p in (vault / "99-robust").glob("*.md"))
    rest = [p.relative_to(vault).as_posix() for p in sorted(vault.rglob("*.md")) if "99-robust" not in str(p)]
    return found + [n for n in rest if not is_daily(n)]  # daily notes are private (#18 finding 9)


def test_every_note_keeps_full_coverage(vault: Path) -> None:
    notes = _notes(vault)
    assert len(notes) >= 20
    for note in notes:
        parsed, _, _, insights, _ = pipeline(vault, note)
        if parsed.note.kind == "process-log":  # cut by tasks/story.py (markers removed from the text)
            continue
        figures = score(note, parsed, insights, ())
        assert figures.missing == 0 and figures.duplicated == 0, (note, figures.row())
        assert len({i.id for i in insights}) == len(insights)
        last = len(parsed.note.text.split("\n"))
        assert all(1 <= i.lines[0] <= i.lines[1] <= last for i in insights), note


def test_mixed_note_shapes(vault: Path) -> None:
    _, _, _, insights, _ = pipeline(vault, "99-robust/english-mixed.md")
    texts = [i.text for i in insights]
    assert not any("code is not prose" in t for t in texts)
    reasons = next(i for i in insights if i.text.startswith("Three reasons:"))
    assert "third reason" in reasons.text
    assert any(i.type == "checklist" for i in insights)
    _, _, _, labels, _ = pipeline(vault, "99-robust/labels-in-a-row.md")
    question = next(i for i in labels if i.text.startswith("질문 하나?"))
    assert question.type == "question" and "답 하나." in question.text and "이게 핵심." in question.text
    assert "이유는\n1. 하나\n2. 둘" in next(i for i in labels if "이유는" in i.text).text
    assert next(i for i in labels if "인용문" in i.text).text.endswith("그렇기 때문에 중요하다.")
