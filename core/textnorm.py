"""Text normalisation for Japanese name search.

One function gives the searchable form of a name, and the same function is
applied to what a user types, so 「たかはし」「タカハシ」「ﾀｶﾊｼ」 and 「髙橋」「高橋」
all meet. Stored on the row (see cases.Person.search_*) and matched with a
trigram index, so partial matches stay fast at 200,000 children.
"""

import unicodedata

# Common 異体字 seen in family names, folded to the everyday form. Only
# one-to-one substitutions that a person searching would consider "the same name".
VARIANTS = str.maketrans(
    {
        "髙": "高",
        "﨑": "崎",
        "嵜": "崎",
        "碕": "崎",
        "濵": "浜",
        "濱": "浜",
        "邊": "辺",
        "邉": "辺",
        "齋": "斎",
        "齊": "斉",
        "澤": "沢",
        "櫻": "桜",
        "國": "国",
        "冨": "富",
        "廣": "広",
        "眞": "真",
        "惠": "恵",
        "德": "徳",
        "瀨": "瀬",
        "槗": "橋",
        "桒": "桑",
        "曻": "昇",
        "祐": "祐",
        "黑": "黒",
        "藪": "薮",
        "嶋": "島",
        "嶌": "島",
        "埜": "野",
        "栁": "柳",
        "圡": "土",
        "塚": "塚",
        "籠": "篭",
    }
)
DROP = str.maketrans({" ": None, "\u3000": None, "・": None, "･": None, "-": None, "‐": None})


def to_katakana(text: str) -> str:
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in text)


def search_form(text: str | None) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = to_katakana(text).translate(VARIANTS).translate(DROP)
    return text.lower()


def is_kana(text: str) -> bool:
    """True when the (normalised) query is kana only, so it is matched against フリガナ."""
    form = search_form(text)
    return bool(form) and all("ァ" <= ch <= "ヺ" or ch == "ー" for ch in form)


def bigrams(*forms: str) -> list[str]:
    """Distinct two-character pieces of already-normalised forms (see search_form)."""
    found = {form[i : i + 2] for form in forms for i in range(len(form) - 1)}
    return sorted(found)
