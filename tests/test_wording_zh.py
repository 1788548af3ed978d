"""Chinese wording as a 公文 writes it: full-width punctuation next to Chinese.

Every Chinese string the office and the agencies read (the zh-hans translations, the Chinese
literals of the templates and of the code, and what a template puts around a translated word
or a value) uses ，：；（）？！ — never the half-width , : ; ( ) ? ! — next to a Chinese
character. A placeholder (%(name)s, {{ value }}) stands for Chinese text, so punctuation next
to it counts too. URLs, times (10:00), numbers (1,000) and English-only strings are left alone.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SKIP_DIRS = {".venv", "tests", "node_modules", "migrations", "seeds", "vendor", "bench",
             "static", "var", "docs", "locale", ".git"}

HOLE = "\ue000"  # a placeholder: Chinese text at run time
CJK = "[" + HOLE + "\u3400-\u9fff\u3000-\u303f\uff00-\uffef\u201c\u201d]"
HALF_WIDTH = re.compile(rf"(?<={CJK})[,:;()?!]|[,:;()?!](?={CJK})")
PLACEHOLDER = re.compile(
    r"%\([A-Za-z_0-9]+\)[-+ #0-9.]*[sdfr]|%[sdfr]|%%|\{[A-Za-z_0-9]*\}|https?://\S+")
HAN = re.compile("[\u3400-\u9fff]")

# Chinese literals that are data, not our wording: names as the seeds spell them.
DATA = {"市市场监管局(市知识产权局)"}


def findings(text: str) -> list[str]:
    """The half-width marks next to Chinese in `text`, each with a little context."""
    masked = PLACEHOLDER.sub(HOLE, text)
    return [masked[max(0, m.start() - 12):m.end() + 12].replace(HOLE, "…")
            for m in HALF_WIDTH.finditer(masked)]


def po_messages(path: Path):
    """(msgid, msgstr) of every entry, msgstr[n] included, continuation lines joined."""
    key, parts = None, {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
        if m:
            key = m.group(1)
            if key in ("msgid", "msgctxt") and any(k.startswith("msgstr") for k in parts):
                yield from ((parts.get("msgid", ""), v) for k, v in parts.items()
                            if k.startswith("msgstr"))
                parts = {}
            parts[key] = m.group(2)
        elif line.startswith('"') and key:
            parts[key] += line[1:-1]
    yield from ((parts.get("msgid", ""), v) for k, v in parts.items() if k.startswith("msgstr"))


def source_files(suffixes):
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if path.is_file() and path.suffix in suffixes and not SKIP_DIRS & set(rel.parts):
            yield path, rel


def template_text(source: str) -> str:
    """What a template shows, roughly: translated words, values as placeholders, no markup.

    A {% blocktranslate %} block is its msgstr's business (checked above), so it counts as
    neither Chinese nor not."""
    source = re.sub(r"\{#.*?#\}", "", source)
    source = re.sub(r"\{% comment %\}.*?\{% endcomment %\}", "", source, flags=re.S)
    source = re.sub(r"\{% blocktranslate.*?%\}.*?\{% endblocktranslate %\}", " ", source,
                    flags=re.S)
    source = re.sub(r"""\{% translate (["'])(.*?)\1.*?%\}""",
                    lambda m: translation.gettext(m.group(2)), source)
    source = re.sub(r"\{\{.*?\}\}", HOLE, source)
    source = re.sub(r"\{%.*?%\}", "", source)
    source = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S)
    source = re.sub(r"<[^>]*>", " ", source)
    return re.sub(r"&#?\w+;", " ", source)


def is_chinese_wording(value: str) -> bool:
    """A literal a person reads: more Chinese than Latin letters, not a regex or a set of
    punctuation marks that a parser splits on."""
    bare = PLACEHOLDER.sub("", value)
    han = len(HAN.findall(bare))
    return (han >= 2 and han > len(re.findall("[A-Za-z]", bare))
            and not re.search(r"[\[\]\\^$|]|\(\?|\.[*+{]", bare) and value not in DATA)


def test_the_finder_sees_half_width_marks_next_to_chinese_and_nothing_else():
    assert findings("单位:名称") and findings("名称(简称)") and findings("%(name)s,您好")
    assert findings("%(where)s:%(name)s")
    assert not findings("10:00, 1,000 (a) https://x.cn/a?b=1")
    assert not findings("单位：名称（简称），您好！")


def test_the_translations_use_full_width_punctuation():
    bad = [f"{msgstr!r}: {hits}" for _msgid, msgstr in po_messages(PO)
           if (hits := findings(msgstr))]
    assert len(list(po_messages(PO))) > 1000  # the parser read the whole catalogue
    assert not bad, "\n".join(bad)


def test_the_templates_use_full_width_punctuation():
    bad = []
    with translation.override("zh-hans"):
        for path, rel in source_files({".html", ".txt"}):
            if "templates" not in rel.parts:
                continue
            for hit in findings(template_text(path.read_text(encoding="utf-8"))):
                bad.append(f"{rel}: {hit!r}")
    assert not bad, "\n".join(bad)


def test_the_chinese_literals_in_the_code_use_full_width_punctuation():
    bad, seen = [], 0
    for path, rel in source_files({".py"}):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                           ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docstrings and is_chinese_wording(node.value)):
                seen += 1
                bad += [f"{rel}:{node.lineno}: {hit!r}" for hit in findings(node.value)]
    assert seen > 50
    assert not bad, "\n".join(bad)


@pytest.mark.django_db
def test_an_email_reads_with_full_width_punctuation():
    from django.template.loader import render_to_string

    with translation.override("zh-hans"):
        text = render_to_string("emails/task_assigned.txt", {
            "agency_name": "市农业农村局", "by_name": "王芳", "reason": "调整分工",
            "plan_title": "某规划", "task_title": "某任务", "site_url": "http://x", "url": "/t/1/"})
    assert "理由：调整分工" in text and "任务：某任务" in text
    assert not findings(text.replace("http://x", ""))
