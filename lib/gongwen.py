"""Writing as a 公文 does (GB/T 9704-2012), with no knowledge of the domain.

- `chinese_date(d)`: the 成文日期 in Chinese characters, 二〇二六年十二月二日;
- `chinese_number(n)`: 一, 十二, 二十一 … for headings (一、二、) and dates;
- the fonts the standard names, each with the fonts that stand in for it where it is missing.
"""
from __future__ import annotations

from datetime import date

DIGITS = "〇一二三四五六七八九"

# (font, stand-ins): a title in 小标宋, headings in 黑体, the body in 仿宋_GB2312.
TITLE_FONT = ("方正小标宋简体", ["方正小标宋_GBK", "华文中宋", "STZhongsong", "宋体", "SimSun"])
HEADING_FONT = ("黑体", ["SimHei", "方正黑体_GBK", "STHeiti"])
BODY_FONT = ("仿宋_GB2312", ["仿宋", "FangSong", "STFangsong", "宋体", "SimSun"])


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 21 → 二十一 (for 1 ≤ n ≤ 99); else digits."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else DIGITS[tens] + "十")
    return head + (DIGITS[ones] if ones else "")


def chinese_date(d: date) -> str:
    """The 成文日期 as GB/T 9704-2012 writes it: 二〇二六年十二月二日."""
    year = "".join(DIGITS[int(c)] for c in str(d.year))
    return f"{year}年{chinese_number(d.month)}月{chinese_number(d.day)}日"


def css_font_stack(font: tuple[str, list[str]], generic: str = "serif") -> str:
    """A CSS font-family: the font, its stand-ins, then the generic family."""
    name, stand_ins = font
    return ", ".join(f'"{f}"' for f in [name, *stand_ins]) + f", {generic}"
