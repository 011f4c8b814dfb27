"""Feature analyzers: the same functions feed sklearn at training time and the fast scorer at run time."""

from __future__ import annotations

from collections.abc import Callable

Analyzer = Callable[[str], list[str]]


def char_ngrams(text: str, min_n: int = 1, max_n: int = 5) -> list[str]:
    """Character n-grams inside word boundaries (sklearn's 'char_wb'), robust to typos and affixes."""
    grams: list[str] = []
    append = grams.append
    for word in text.split():
        padded = f" {word} "
        size = len(padded)
        for n in range(min_n, max_n + 1):
            if n > size:
                if n == min_n:
                    append(padded)
                break
            for i in range(size - n + 1):
                append(padded[i : i + n])
    return grams


def word_ngrams(text: str) -> list[str]:
    """Word unigrams and bigrams: whole-word evidence the char n-grams blur."""
    words = text.split()
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def char_analyzer(text: str) -> list[str]:
    return char_ngrams(text, 1, 5)


def lang_char_analyzer(text: str) -> list[str]:
    """Short n-grams suffice to tell rw/en/fr apart, and cost half as much to score."""
    return char_ngrams(text, 1, 3)


ANALYZERS: dict[str, Analyzer] = {
    "char": char_analyzer,
    "word": word_ngrams,
    "lang_char": lang_char_analyzer,
}
