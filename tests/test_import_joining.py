"""Joining wrapped lines is linear (issue 10): a long paragraph is answered from what is kept
as its lines are added, and those answers agree with asking the whole text at every line —
the quadratic way, still used below _Paragraph.LONG characters."""
from pathlib import Path

import pytest

from tasks.importers.document import _Paragraph, blocks_from_lines

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "tests" / "corpus").glob("*.txt")) + sorted((ROOT / "seeds").glob("*.txt"))
WRAP = "推进农业机械化和农机装备产业转型升级，加快补齐丘陵山区农机装备短板，"


def _long_paragraphs() -> list[str]:
    """Items whose text runs over hundreds of lines, ending every way a paragraph ends."""
    body = [WRAP] * 120  # ~4,000 characters, no sentence end
    return [
        "一、主要任务", "1、开展工作，" + WRAP, *body, "完成。（责任单位：市财政局）",
        "2、加强执法（见附表，" + WRAP, *body, "）并报告。",
        "（牵头单位：市商务局；配合单位：市财政局）",
        "3、完善制度，" + WRAP, *body, "（此项不是责任说明，只是说明文字）", *body, "。",
        "- 要点" + WRAP, *body, "。", "**加粗开头" + WRAP, *body, "加粗结尾**", "正文。",
        "# 标题" + WRAP, *body, "。", "4、推进，" + WRAP, *body, "（市财政局、市商务局负责）",
        "5、下一项。",
    ]


def _blocks(lines: list[str], wrapped: bool) -> list[tuple]:
    return [(b.text, b.line, b.level, b.number, b.markup, b.bullet)
            for b in blocks_from_lines(lines, wrapped=wrapped)]


@pytest.mark.parametrize("wrapped", [True, False])
def test_kept_answers_agree_with_asking_the_whole_text(monkeypatch, wrapped):
    documents = [path.read_text(encoding="utf-8").splitlines() for path in SOURCES]
    documents.append(_long_paragraphs())
    kept = [_blocks(lines, wrapped) for lines in documents]
    long = _Paragraph.LONG
    monkeypatch.setattr(_Paragraph, "LONG", 10**9)  # every question asked of the whole text
    whole = [_blocks(lines, wrapped) for lines in documents]
    assert kept == whole
    longest = max(len(text) for blocks in kept for text, *_ in blocks)
    assert longest > 3 * long  # the kept answers were used
