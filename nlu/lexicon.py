"""Words with a fixed meaning in rw/en/fr (months, numbers, languages), in folded (lowercase, ASCII) form."""

from __future__ import annotations

_MONTHS_BY_NUMBER: dict[int, tuple[str, ...]] = {
    1: ("mutarama", "january", "jan", "janvier", "janv"),
    2: ("gashyantare", "february", "feb", "fevrier", "fev", "fevr"),
    3: ("werurwe", "march", "mar", "mars"),
    4: ("mata", "april", "apr", "avril", "avr"),
    5: ("gicurasi", "may", "mai"),
    6: ("kamena", "june", "jun", "juin"),
    7: ("nyakanga", "july", "jul", "juillet", "juil"),
    8: ("kanama", "august", "aug", "aout"),
    9: ("nzeri", "nzeli", "september", "sep", "septembre"),
    10: ("ukwakira", "october", "oct", "octobre"),
    11: ("ugushyingo", "november", "nov", "novembre"),
    12: ("ukuboza", "december", "dec", "decembre"),
}

MONTHS: dict[str, int] = {name: number for number, names in _MONTHS_BY_NUMBER.items() for name in names}

# Month words that are also common words: only a month when the context says so (see entities.months).
AMBIGUOUS_MONTHS: frozenset[str] = frozenset({"may", "mar", "jan", "sep", "dec", "oct", "nov", "jun", "jul"})

LANGUAGE_NAMES: dict[str, str] = {
    "kinyarwanda": "rw",
    "ikinyarwanda": "rw",
    "kinya": "rw",
    "english": "en",
    "icyongereza": "en",
    "cyongereza": "en",
    "anglais": "en",
    "french": "fr",
    "francais": "fr",
    "igifaransa": "fr",
    "gifaransa": "fr",
}

# Kinyarwanda number words by value; noun-class prefixes vary (bitanu, atanu, itanu, gatanu...).
RW_UNITS: dict[str, int] = {
    **dict.fromkeys(("rimwe", "kimwe", "kumwe", "umwe", "imwe", "limwe"), 1),
    **dict.fromkeys(("kabiri", "abiri", "bibiri", "ibiri", "zibiri", "ebyiri", "kabili"), 2),
    **dict.fromkeys(("gatatu", "atatu", "bitatu", "itatu", "eshatu", "zitatu"), 3),
    **dict.fromkeys(("kane", "ane", "bine", "ine", "enye", "zine"), 4),
    **dict.fromkeys(("gatanu", "atanu", "bitanu", "itanu", "eshanu", "zitanu"), 5),
    **dict.fromkeys(("gatandatu", "atandatu", "bitandatu", "itandatu", "esheshatu", "zitandatu"), 6),
    **dict.fromkeys(("karindwi", "arindwi", "birindwi", "irindwi", "zirindwi"), 7),
    **dict.fromkeys(("umunani", "munani", "inani"), 8),
    **dict.fromkeys(("icyenda", "cyenda"), 9),
}
RW_TEN = frozenset({"icumi", "cumi"})  # 10; "cumi na bitanu" = 15
RW_TWENTY = frozenset({"makumyabiri"})  # 20
RW_TENS = frozenset({"mirongo"})  # x10: "mirongo itatu" = 30
RW_HUNDRED = frozenset({"ijana", "rijana"})  # 100
RW_HUNDREDS = frozenset({"magana", "amagana"})  # x100: "magana atanu" = 500
RW_THOUSAND = frozenset({"igihumbi", "gihumbi"})  # 1000
RW_THOUSANDS = frozenset({"ibihumbi", "bihumbi"})  # x1000: "ibihumbi bitanu" = 5000
RW_MILLIONS = frozenset({"miliyoni", "miriyoni", "million", "millions"})
RW_AND = frozenset({"na", "n"})

EN_NUMBERS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "a": 1,
}  # fmt: skip
FR_NUMBERS: dict[str, int] = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
    "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
}  # fmt: skip
HUNDRED_WORDS = frozenset({"hundred", "cent", "cents"})
THOUSAND_WORDS = frozenset({"thousand", "mille"})
MILLION_WORDS = frozenset({"million", "millions", "miliyoni", "mio"})
