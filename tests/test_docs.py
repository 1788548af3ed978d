"""The user guide (docs/) shows pictures the browser tests take, and nothing else: every picture
it names is committed and taken by a test under tests/browser/, and every committed picture is
shown. `make screenshots` retakes them."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PICTURE = re.compile(r"!\[[^\]]+\]\((screenshots/([\w-]+)\.jpg)\)")
LINK = re.compile(r"\]\(([\w-]+\.md)\)")


def _guides() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def _shown() -> set[str]:
    return {name for guide in _guides() for _, name in PICTURE.findall(guide.read_text())}


def _taken_by_browser_tests() -> set[str]:
    source = "\n".join(p.read_text() for p in (ROOT / "tests" / "browser").glob("test_*.py"))
    return set(re.findall(r"shoot\(\w+, \"([\w-]+)\"[,)]", source))


def test_the_guides_exist_for_the_office_and_the_agencies():
    names = {guide.name for guide in _guides()}
    assert {"README.md", "office.md", "agency.md"} <= names
    for guide in _guides():
        for target in LINK.findall(guide.read_text()):
            assert (DOCS / target).exists(), f"{guide.name} links to missing {target}"
    assert "docs/README.md" in (ROOT / "README.md").read_text()


def test_every_picture_shown_is_committed_and_taken_by_a_browser_test():
    shown = _shown()
    assert len(shown) >= 15
    for name in sorted(shown):
        picture = DOCS / "screenshots" / f"{name}.jpg"
        assert picture.exists(), f"docs show {picture.name}; run `make screenshots`"
        assert picture.read_bytes()[:3] == b"\xff\xd8\xff", f"{picture.name} is not a JPEG"
    missing = shown - _taken_by_browser_tests()
    assert not missing, f"no browser test takes {sorted(missing)}"


def test_no_picture_is_committed_that_the_guides_do_not_show():
    committed = {p.stem for p in (DOCS / "screenshots").glob("*.jpg")}
    assert committed - _shown() == set()
