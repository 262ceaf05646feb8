"""Pinyin keys of a name: full pinyin and initials, with both readings of polyphonic surnames.

pypinyin's heteronym mode lists every rare reading (圳: zhen/quan/chou/huai), which would make
nonsense keys; we take each character's usual reading, plus the alternatives of the characters
whose other reading people really use in names (曾 zeng/ceng, 单 shan/dan, 解 xie/jie, …).
"""

from __future__ import annotations

from functools import cache, lru_cache
from itertools import product

from pypinyin import Style, lazy_pinyin

# characters read differently as a surname or in names; both readings are searchable
POLYPHONIC: dict[str, tuple[str, ...]] = {
    "曾": ("zeng", "ceng"),
    "单": ("shan", "dan"),
    "解": ("xie", "jie"),
    "仇": ("qiu", "chou"),
    "区": ("ou", "qu"),
    "查": ("zha", "cha"),
    "朴": ("piao", "pu"),
    "盖": ("ge", "gai"),
    "乐": ("yue", "le"),
    "尉": ("yu", "wei"),
    "翟": ("zhai", "di"),
    "缪": ("miao", "miu"),
    "覃": ("qin", "tan"),
    "召": ("shao", "zhao"),
    "长": ("chang", "zhang"),
    "重": ("chong", "zhong"),
    "行": ("xing", "hang"),
    "藏": ("zang", "cang"),
    "都": ("du", "dou"),
    "朝": ("chao", "zhao"),
    "传": ("chuan", "zhuan"),
    "柏": ("bai", "bo"),
    "秘": ("bi", "mi"),
    "繁": ("fan", "po"),
    "员": ("yuan", "yun"),
    "种": ("chong", "zhong"),
    "阚": ("kan", "han"),
    "洗": ("xian", "xi"),
    "万": ("wan", "mo"),
    "厦": ("xia", "sha"),
    "乘": ("cheng", "sheng"),
}

MAX_VARIANTS = 8


@lru_cache(maxsize=200_000)
def pinyin_keys(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(full pinyin variants, initials variants) of the Chinese characters in name, lower-case."""
    readings: list[tuple[str, ...]] = []
    for ch in name:
        if "\u4e00" <= ch <= "\u9fff":
            readings.append(_readings(ch))
        elif ch.isascii() and ch.isalnum():
            readings.append((ch.lower(),))
    if not readings:
        return (), ()
    full: list[str] = []
    initials: list[str] = []
    for combo in product(*readings):
        full.append("".join(combo))
        initials.append("".join(s[0] for s in combo))
        if len(full) >= MAX_VARIANTS:
            break
    return tuple(dict.fromkeys(full)), tuple(dict.fromkeys(initials))


@cache
def _readings(ch: str) -> tuple[str, ...]:
    """The readings of one Chinese character, usual first (a few thousand characters in all)."""
    usual = lazy_pinyin(ch, style=Style.NORMAL)[0]
    return tuple(dict.fromkeys((usual, *POLYPHONIC.get(ch, ()))))
