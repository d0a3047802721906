"""Chinese addresses and place names: normalisation, parsing and a simple name similarity.

Pure text functions (standard library only) used by :mod:`coverage.geocoding`.

Normalisation (:func:`normalize_text`)
    Unicode NFKC (full-width digits, letters and punctuation become
    half-width: ``１４８号`` is ``148号``), a small table of traditional
    characters common in addresses (號→号, 區→区, 樓→楼, 辦事處→办事处, ...),
    lower case, and no spaces, punctuation or symbols (emoji included).

Addresses (:func:`parse_address`)
    ``[省][市][区/县][街道/镇] street number[号|弄] [building/unit ...]``. The
    house number is the first number followed by 号 (or 號, ``#``), 弄 or the
    end of the text, or joined to a second number by ``-``/``之``
    (``148-2号``); a Chinese-numeral number before 号 (``一百四十八号``) is read
    too. Text after the number (``3栋2单元``, ``201室``) is kept as
    ``detail`` and ignored for placement. A lane (``弄``) number is the house
    number on the street (Shanghai ``XX路100弄5号`` is placed at XX路 100, and
    ``5号`` is detail). Bracketed remarks are dropped from placement and
    kept in ``detail``. ``A与B交叉口`` (also 和, 交口, 路口, 交汇处) is an
    intersection. Which part is the street is decided against the streets the
    extract knows (the longest known street that the text before the number
    ends with), so the province and city prefixes of an area need not be
    known; :func:`strip_admin` removes the usual prefixes (…省, …自治区, …市,
    …区/县/旗, and …街道/镇/乡 when an address follows) for messages and for
    comparing whole addresses.

Names (:func:`name_core`, :func:`name_score`)
    A name's *core* drops generic service suffixes (社会工作服务站, 社工站,
    党群服务中心, 服务中心, 服务站, 工作站, 办事处, 居委会, ...), so that a
    station named ``红旗街道社工站`` meets the OSM place ``红旗街道`` and the office
    ``红旗街道办事处``. The score of a query against a candidate is

    * 1.0 when the normalised names are equal,
    * 0.95 when their cores are equal,
    * otherwise the larger of the Dice coefficient of the cores' character
      bigrams, ``2 |A ∩ B| / (|A| + |B|)`` (multisets), and, when one core
      (of at least 2 characters) contains the other,
      ``0.5 + 0.4 · len(shorter) / len(longer)``; capped at 0.9.

    Deterministic, symmetric, and cheap enough for every candidate sharing a
    bigram with the query.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

#: Traditional characters common in addresses and names, and their simplified forms.
_TRAD = str.maketrans(
    dict(
        pair
        for pair in (
            "號号 區区 縣县 樓楼 棟栋 單单 門门 園园 務务 處处 辦办 會会 員员 黨党 "
            "羣群 廣广 場场 東东 閣阁 廈厦 華华 國国 衛卫 醫医 學学 鎮镇 鄉乡 莊庄 "
            "灣湾 橋桥 雲云 龍龙 長长 陽阳 與与 衚胡 衕同 條条 興兴 業业 電电 豐丰 "
            "館馆 體体 層层 內内 連连 貿贸 協协 聯联 線线 紅红 鐵铁 車车 歷历 臺台 "
            "萬万 鳳凤 張张 劉刘"
        ).split()
    )
)

#: Suffixes that a station's name may carry or not: removed (repeatedly, longest first) to get its core.
NAME_SUFFIXES = (
    "社会工作服务站",
    "社会工作服务中心",
    "社会工作站",
    "社工服务站",
    "社工服务中心",
    "社工站",
    "社工室",
    "党群服务中心",
    "党群服务站",
    "新时代文明实践站",
    "新时代文明实践所",
    "新时代文明实践中心",
    "综合服务中心",
    "便民服务中心",
    "社区服务中心",
    "服务中心",
    "服务站",
    "工作站",
    "办事处",
    "居民委员会",
    "居委会",
    "村民委员会",
    "村委会",
    "委员会",
    "管委会",
)
_NAME_SUFFIXES = tuple(sorted(NAME_SUFFIXES, key=len, reverse=True))

#: Street-name endings, longest first.
STREET_SUFFIXES = ("大街", "大道", "胡同", "路", "街", "道", "巷", "里", "弄", "段", "线")

_BRACKETS = re.compile(r"[(（\[【〔［][^)）\]】〕］]*[)）\]】〕］]")
_DASHES = re.compile(r"(?<=\d)\s*[‐‑‒–—―~～－]\s*(?=\d)")
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUMBER = re.compile(r"([零〇一二两三四五六七八九十百千]+)(?=号)")
#: A house number: optional 甲/乙/丙/丁 prefix, the number, an optional second number, and its unit.
_NUMBER = re.compile(r"([甲乙丙丁戊])?(\d+)(?:[-之](\d+))?(号院|号楼|号|弄)?")
#: Characters that, right after a number, make it a floor, building, unit or room rather than a house number.
_NOT_HOUSE = "层楼栋幢单元室座期区"
_INTERSECTION = re.compile(
    r"^(?P<a>.+?)(?:与|和|及)(?P<b>.+?)(?:交叉口|交叉路口|交汇处|交汇口|交界处|交口|路口|口)$"
)
_ADMIN = (
    re.compile(r"^(?:中国|中华人民共和国)"),
    re.compile(r"^[^省市区县]{2,7}?(?:省|自治区|特别行政区)"),
    re.compile(r"^[^省市区县]{2,7}?市"),
    re.compile(r"^[^省市区县]{1,7}?(?:(?<![小校园厂景社矿])区|县|市)"),
)
_SUBDISTRICT = re.compile(r"^[^省市区县路街]{1,8}?(?:街道|镇|乡)")
_LOOKS_LIKE_ADDRESS = re.compile(
    r"(?:大街|大道|胡同|路|街|巷|弄)\d|(?:大街|大道|胡同|路|街|巷|弄)$|\d+(?:号(?!楼)|弄)"
)


def to_halfwidth(text: str) -> str:
    """NFKC (full-width digits, letters and punctuation to half-width) and simplified forms of common
    traditional characters; nothing else changes."""
    return unicodedata.normalize("NFKC", str(text)).translate(_TRAD)


def normalize_text(text) -> str:
    """Text for comparison: half-width, simplified, lower case, without spaces, punctuation or symbols."""
    if text is None:
        return ""
    s = to_halfwidth(text).lower()
    return "".join(ch for ch in s if unicodedata.category(ch)[0] in "LN")


def cjk_part(name: str) -> str:
    """The Chinese part of a bilingual name like ``宣和街 - Xuanhe Street`` ("" when there is none)."""
    parts = [p.strip() for p in re.split(r"\s+[-–—/|]\s+|;", str(name)) if p.strip()]
    cjk = [p for p in parts if re.search(r"[\u4e00-\u9fff]", p)]
    return cjk[0] if len(parts) > 1 and cjk else ""


def _cn_number(text: str) -> int | None:
    """A Chinese numeral (一百四十八, 十五, 二〇八) as an integer."""
    if all(ch in _CN_DIGITS for ch in text):  # digit by digit: 二〇八
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def normalize_address(text) -> str:
    """An address for parsing: half-width, simplified, no spaces or punctuation except ``-`` between numbers,
    ``#`` read as 号, and a Chinese-numeral house number before 号 written in digits."""
    if text is None:
        return ""
    s = to_halfwidth(text).lower()
    s = _DASHES.sub("-", s).replace("#", "号")
    s = _CN_NUMBER.sub(lambda m: str(n) if (n := _cn_number(m.group(1))) is not None else m.group(1), s)
    return "".join(ch for ch in s if unicodedata.category(ch)[0] in "LN" or ch == "-").strip("-")


def strip_admin(text: str) -> tuple[str, list[str]]:
    """``(rest, prefixes)``: normalised text without leading 中国, province, city, district/county and
    (when an address follows) subdistrict/town prefixes."""
    s = normalize_address(text)
    found = []
    for pattern in _ADMIN:
        m = pattern.match(s)
        if m and len(s) > m.end():
            found.append(m.group(0))
            s = s[m.end() :]
    m = _SUBDISTRICT.match(s)
    if m and _LOOKS_LIKE_ADDRESS.search(s[m.end() :]):
        found.append(m.group(0))
        s = s[m.end() :]
    return s, found


def looks_like_address(text) -> bool:
    """True for text with a street ending followed by a number, or a house number (``…路``, ``…148号``)."""
    return bool(_LOOKS_LIKE_ADDRESS.search(normalize_address(text)))


@dataclass(frozen=True)
class HouseNumber:
    """A house number: ``148``, ``148-2`` (main 148, sub 2), ``甲2`` (prefix 甲)."""

    main: int
    sub: int | None = None
    prefix: str = ""

    @property
    def text(self) -> str:
        return f"{self.prefix}{self.main}" + (f"-{self.sub}" if self.sub is not None else "")


def parse_housenumber(text) -> HouseNumber | None:
    """An OSM ``addr:housenumber`` (``258号``, ``38-8``, ``3号-1层``, ``8号附1号``, ``甲2号``) as a
    :class:`HouseNumber`; None when it has no number (``1层``) or starts with letters (``B6-6``)."""
    s = normalize_address(text)
    m = _NUMBER.match(s)
    if not m:
        return None
    if not m.group(4) and m.end() < len(s) and s[m.end()] in _NOT_HOUSE:
        return None
    return HouseNumber(int(m.group(2)), int(m.group(3)) if m.group(3) else None, m.group(1) or "")


@dataclass(frozen=True)
class ParsedAddress:
    """An address taken apart (all text normalised).

    ``before`` is the text before the house number (the street, maybe with
    prefixes), ``number`` the house number (None when there is none),
    ``detail`` what follows it (building, unit, room; bracketed remarks),
    ``lane`` whether the number is a 弄 (lane), ``intersection`` the two
    streets of ``A与B交叉口``. ``street_guess`` is the street as the text
    shows it (for messages when the extract does not know it).
    """

    raw: str
    text: str
    before: str
    number: HouseNumber | None
    detail: str
    lane: bool = False
    intersection: tuple[str, str] | None = None
    admin: tuple[str, ...] = ()

    @property
    def street_guess(self) -> str:
        rest = self.before
        for pattern in (*_ADMIN, _SUBDISTRICT):
            m = pattern.match(rest)
            if m and len(rest) > m.end():
                rest = rest[m.end() :]
        return rest


def parse_address(text) -> ParsedAddress:
    """Take an address apart: see the module docstring for the rules."""
    raw = "" if text is None else str(text)
    remarks = " ".join(m.group(0) for m in _BRACKETS.finditer(to_halfwidth(raw)))
    s = normalize_address(_BRACKETS.sub("", to_halfwidth(raw)))
    _, admin = strip_admin(s)
    number, before, detail, lane = None, s, "", False
    for m in _NUMBER.finditer(s):
        after = s[m.end() :]
        unit = m.group(4)
        if m.start() == 0 or unit == "号楼" or s[m.start() - 1] == "第":
            continue  # no street before it, a building number (3号楼) or an ordinal (第122中学)
        if not unit and (
            after[:1] in tuple(_NOT_HOUSE)
            or after.startswith(STREET_SUFFIXES)
            or not s[: m.start()].endswith(STREET_SUFFIXES)
        ):
            continue  # a floor or room (5层), part of a street name (1912街), a bare number after no street
        number = HouseNumber(int(m.group(2)), int(m.group(3)) if m.group(3) else None, m.group(1) or "")
        before, detail, lane = s[: m.start()], after, unit == "弄"
        break
    if remarks:
        detail = f"{detail} {remarks}".strip()
    inter = None
    if number is None:
        m = _INTERSECTION.match(s)
        if m:
            inter = (m.group("a"), m.group("b"))
    return ParsedAddress(raw, s, before, number, detail, lane, inter, tuple(admin))


# ---------------------------------------------------------------- names
def name_core(text) -> str:
    """A name without its generic service suffixes (normalised); the whole normalised name when nothing is
    left."""
    s = normalize_text(text)
    core = s
    changed = True
    while changed:
        changed = False
        for suffix in _NAME_SUFFIXES:
            if core.endswith(suffix) and len(core) > len(suffix):
                core = core[: -len(suffix)]
                changed = True
                break
    if core.endswith("街道办"):  # colloquial 街道办 for 街道办事处
        core = core[:-1]
    return core or s


def bigrams(text: str) -> Counter:
    """Character bigrams of a normalised string (the string itself when it has one character)."""
    if len(text) < 2:
        return Counter([text]) if text else Counter()
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def dice(a: str, b: str) -> float:
    """Dice coefficient of the character bigrams of ``a`` and ``b`` (multisets), 0 to 1."""
    ga, gb = bigrams(a), bigrams(b)
    total = sum(ga.values()) + sum(gb.values())
    return 2 * sum((ga & gb).values()) / total if total else 0.0


def score_normalised(qn: str, qc: str, cn: str, cc: str) -> float:
    """:func:`name_score` on names already normalised (``qn``, ``cn``) and cored (``qc``, ``cc``)."""
    if not qn or not cn:
        return 0.0
    if qn == cn:
        return 1.0
    if qc == cc:
        return 0.95
    s = dice(qc, cc)
    short, long_ = sorted((qc, cc), key=len)
    if len(short) >= 2 and short in long_:
        s = max(s, 0.5 + 0.4 * len(short) / len(long_))
    return round(min(s, 0.9), 3)


def name_score(query, candidate) -> float:
    """Similarity of two place names, 0 to 1 (see the module docstring for the rule)."""
    qn, cn = normalize_text(query), normalize_text(candidate)
    return score_normalised(qn, name_core(qn), cn, name_core(cn))
