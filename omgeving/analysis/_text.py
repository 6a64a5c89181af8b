"""Dutch text for matching and labels: normal form, words, lemmas, negation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["NEGATIONS", "STOPWORDS", "lemma", "negated", "normal", "words"]

_WORD = re.compile(r"[0-9a-zà-ÿ]+(?:[-'][0-9a-zà-ÿ]+)*")
#: Words that turn a wish into its opposite ("meer woningen" / "geen woningen meer").
NEGATIONS = frozenset({"geen", "niet", "nooit", "nait", "niks", "niets", "tegen", "stop", "no",
                       "not", "never", "against"})
#: Function words and the words every reaction here uses: no label is made of them.
STOPWORDS = frozenset(
    """
    de het een en of maar want dus als dan dat die dit deze wat wie waar hoe wel ook nog al
    is zijn was waren wordt worden werd zal zullen kan kunnen moet moeten mag mogen wil willen
    heb hebben heeft had hadden ben bent word wordt gaat gaan komt komen doet doen vind vinden
    ik je jij u wij we ze zij hij hem haar ons onze mijn jouw uw hun hen men er hier daar
    in op aan van voor met bij naar om over uit tot door onder tegen tussen na zonder langs
    te toe af mee heel erg zeer veel weinig meer minder beter goed graag echt gewoon even
    alle alles iedereen iets niets niks geen niet nooit wel zo zoals ja nee mss bv ivm vd
    the a an and or but of to in on at for with is are be it this that we you they i
    d'r nait wat 'n
    """.split()  # noqa: SIM905  (a word list reads better as text)
)


def normal(text: str) -> str:
    """Return ``text`` for comparing: lower case, accents kept, punctuation and spacing folded.

    >>> normal("Graag   een ZEBRAPAD!! bij de school...")
    'graag een zebrapad bij de school'
    """
    text = unicodedata.normalize("NFC", text or "").lower()
    return " ".join(_WORD.findall(text))


def words(text: str) -> list[str]:
    """Return the words of ``text`` in its normal form."""
    return _WORD.findall(normal(text))


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """Return the Dutch lemma of ``word`` (simplemma), for grouping "bankje" with "bankjes"."""
    import simplemma

    return simplemma.lemmatize(word, lang="nl")


def negated(tokens: Iterable[str]) -> bool:
    """Return whether a text's words say no (a negation word among them)."""
    return any(t in NEGATIONS for t in tokens)
