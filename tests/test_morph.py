"""The memoised Kiwi analysis: the memo gives what one call per text gives, and the shared
analysis gives what Kiwi's own sentence split gives, on every text of the example vault."""

from __future__ import annotations

import pytest

from tasks.lint.rules import CARRIER, particle_start
from tasks.nlp import korean, morph
from tests.conftest import EXAMPLE_VAULT


def _vault_texts() -> list[str]:
    """Every line, paragraph and whole body of the example vault's notes (Korean and English)."""
    texts: list[str] = []
    for path in sorted(EXAMPLE_VAULT.rglob("*.md")):
        body = path.read_text(encoding="utf-8")
        texts += [line.strip(" -#>*") for line in body.split("\n")]
        texts += body.split("\n\n")
        texts.append(body)
    return [t for t in dict.fromkeys(texts) if korean.has_hangul(t)]


def _plain(analysis: morph.Analysis) -> list[tuple[str, str, int, int, int]]:
    return [(m.form, m.tag, m.start, m.end, m.sentence) for m in analysis]


def test_the_memo_analyses_like_one_call_per_line() -> None:
    lines = [t for t in _vault_texts() if "\n" not in t]
    assert len(lines) > 300
    one_by_one = [_plain(morph._convert(morph.kiwi().tokenize(t))) for t in lines]
    morph.forget()
    assert [_plain(morph.analysis(t)) for t in lines] == one_by_one
    assert len(morph._MEMO) == len(lines)
    assert all(morph._recall(t) is not None for t in lines)  # all remembered: nothing analysed twice
    morph.forget()


def test_a_text_of_several_lines_reuses_its_lines_analyses(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [t for t in _vault_texts() if "\n" in t]
    assert len(texts) > 20
    morph.forget()
    lines = {text: [(start, line) for start, line in _line_starts(text) if line.strip()] for text in texts}
    alone = {line: morph.analysis(line) for text in texts for _, line in lines[text]}
    calls: list[str] = []

    def tokenize(text: str, *args: object, **kwargs: object) -> list[object]:
        calls.append(text)
        return []

    monkeypatch.setattr(morph.kiwi(), "tokenize", tokenize)
    wholes = {text: morph.analysis(text) for text in texts}
    monkeypatch.undo()
    assert calls == []  # every line was analysed already: Kiwi is not asked again
    for text, whole in wholes.items():
        # Each line's morphemes, at the line's place in the text, each line its own sentences.
        for start, line in lines[text]:
            here = [m for m in whole if start <= m.start < start + len(line) + 1]
            own = alone[line]
            assert [(m.form, m.tag, m.start - start, m.end - start) for m in here] == [
                (m.form, m.tag, m.start, m.end) for m in own
            ]
            assert len({m.sentence for m in here}) == len({m.sentence for m in own})
        assert len(whole) == sum(len(alone[line]) for _, line in lines[text])
        assert [m.sentence for m in whole] == sorted(m.sentence for m in whole)
    morph.forget()


def _line_starts(text: str) -> list[tuple[int, str]]:
    out, start = [], 0
    for line in text.split("\n"):
        out.append((start, line))
        start += len(line) + 1
    return out


def test_sentences_match_kiwis_sentence_split() -> None:
    for text in _vault_texts()[:400]:
        paras = [p for p in text.split("\n") if p.strip()]
        expected = [s.text.strip() for p in paras for s in morph.kiwi().split_into_sents(p) if s.text.strip()]
        assert list(korean.sentences(text)) == expected, text


def test_the_memo_is_bounded_and_keeps_the_recent_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(morph, "MEMO_SIZE", 3)
    morph.forget()
    for word in ("하나", "둘", "셋", "넷"):
        morph.analysis(word)
    assert list(morph._MEMO) == ["둘", "셋", "넷"]
    morph.analysis("둘")  # a hit moves it to the recent end
    morph.analysis("다섯")
    assert list(morph._MEMO) == ["넷", "둘", "다섯"]
    for word in ("넷", "여섯", "일곱"):
        morph.analysis(word)
    assert list(morph._MEMO) == ["넷", "여섯", "일곱"]
    morph.forget()


def test_the_particle_rule_reads_the_shared_analysis() -> None:
    morph.forget()
    assert particle_start("당도") == 2 and particle_start("팬들을") == 2
    assert particle_start("의미가치를") == 4
    assert f"팬들을{CARRIER}" in morph._MEMO
    morph.forget()
