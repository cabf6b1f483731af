"""Russian that agrees: the gender of a person from their name, names in other cases, words agreed with
numbers and phrases put in another case. The grammar comes from libraries, not hand-made endings:
pytrovich (the rules of the «Петрович» project for first names, patronymics and surnames) and pymorphy3
(the OpenCorpora dictionary for every other word)."""

from __future__ import annotations

import re
from functools import lru_cache

MALE, FEMALE = "m", "f"
# Cases by their pymorphy3 names; the same names are used for people's names.
CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=1)
def _petrovich():
    from pytrovich.detector import PetrovichGenderDetector
    from pytrovich.maker import PetrovichDeclinationMaker

    return PetrovichGenderDetector(), PetrovichDeclinationMaker()


def _split(full_name: str) -> tuple[str, str, str]:
    parts = full_name.split()
    if len(parts) > 3:
        parts = parts[:2] + [" ".join(parts[2:])]
    return tuple((parts + ["", "", ""])[:3])


@lru_cache(maxsize=4096)
def gender_of(full_name: str) -> str:
    """MALE or FEMALE for «Фамилия Имя Отчество» (the patronymic decides; then the first name, then the
    surname). A name the rules do not know is taken as male, the grammatical default."""
    from pytrovich.enums import Gender

    last, first, middle = _split(full_name)
    detector, _ = _petrovich()
    try:
        found = detector.detect(firstname=first or None, middlename=middle or None, lastname=last or None)
    except (KeyError, ValueError, AttributeError):
        found = None
    if found == Gender.FEMALE:
        return FEMALE
    if found == Gender.MALE:
        return MALE
    # The rules were not sure (a rare first name and no patronymic): ask the dictionary about the first name.
    for parse in _morph().parse(first or last):
        if {"Name", "Surn"} & parse.tag.grammemes and parse.tag.gender in ("masc", "femn"):
            return FEMALE if parse.tag.gender == "femn" else MALE
    return MALE


def is_female(full_name: str) -> bool:
    return gender_of(full_name) == FEMALE


@lru_cache(maxsize=4096)
def name_in_case(full_name: str, case: str) -> str:
    """«Римский-Корсаков Пётр Ильич» in the dative: «Римскому-Корсакову Петру Ильичу». Keeps the order given."""
    from pytrovich.enums import Case, Gender, NamePart

    if case == "nomn":
        return full_name
    cases = {"gent": Case.GENITIVE, "datv": Case.DATIVE, "accs": Case.ACCUSATIVE, "ablt": Case.INSTRUMENTAL,
             "loct": Case.PREPOSITIONAL}
    gender = Gender.FEMALE if gender_of(full_name) == FEMALE else Gender.MALE
    last, first, middle = _split(full_name)
    _, maker = _petrovich()
    out = []
    for part, word in ((NamePart.LASTNAME, last), (NamePart.FIRSTNAME, first), (NamePart.MIDDLENAME, middle)):
        if word:
            try:
                out.append(maker.make(part, gender, cases[case], word))
            except (KeyError, ValueError, IndexError):
                out.append(word)
    return " ".join(out)


def given_names_in_case(full_name: str, case: str) -> str:
    """Имя и отчество in a case: «Алёна Юрьевна» → «Алёне Юрьевне» (datv)."""
    last, first, middle = _split(full_name)
    declined = name_in_case(full_name, case).split()
    return " ".join(declined[1:]) if last and len(declined) > 1 else " ".join(declined)


def agree_with_number(number: int, word: str) -> str:
    """The noun in the form a number asks for: (1, «компетенция») → «компетенция», (5, …) → «компетенций»."""
    parse = _morph().parse(word)[0]
    agreed = parse.make_agree_with_number(abs(number))
    return _same_case_as(word, agreed.word) if agreed else word


def count(number: int, word: str) -> str:
    """«17 компетенций», «2 достижения», «21 достижение»."""
    return f"{number} {agree_with_number(number, word)}"


_WORD = re.compile(r"[А-Яа-яЁё-]+")


def phrase_in_case(phrase: str, case: str) -> str:
    """Put the nouns and adjectives of a short nominative phrase in another case, leaving numbers and
    everything else as they are: «2 четверть 2024/25» → «2 четверти 2024/25» (gent)."""

    def inflect(match: re.Match) -> str:
        word = match.group(0)
        for parse in _morph().parse(word):
            if parse.tag.case == "nomn" and parse.tag.POS in ("NOUN", "ADJF", "PRTF"):
                found = parse.inflect({case})
                return _same_case_as(word, found.word) if found else word
        return word

    return _WORD.sub(inflect, phrase)


def word_for(full_name: str, male: str, female: str) -> str:
    """Pick the form that agrees with a person: word_for(name, «вошёл», «вошла»)."""
    return female if gender_of(full_name) == FEMALE else male


def _same_case_as(original: str, word: str) -> str:
    if original.isupper():
        return word.upper()
    if original[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def hours(value: float) -> str:
    """«1 час», «3 часа», «12 часов»; a fraction takes the genitive singular: «1,5 часа»."""
    value = float(value or 0)
    if value != int(value):
        return f"{value:g}".replace(".", ",") + " часа"
    return count(int(value), "час")


# -- order of names ---------------------------------------------------------------------------------
_NOT_LETTER = re.compile(r"[^0-9a-zа-я]+")


def collation_key(text: str) -> tuple[str, str]:
    """Sort key for Russian text as a Russian reader orders it: case and punctuation ignored, «ё» beside
    «е» (not after «я», where Unicode puts it), «Ёлкин» just after an equal «Елкин»."""
    folded = (text or "").casefold()
    return _NOT_LETTER.sub("", folded.replace("ё", "е")), folded


def by_surname(people):
    """People in the order of a class register: surname, then first name, then patronymic."""
    return sorted(people, key=lambda person: (collation_key(person.last_name or person.full_name),
                                              collation_key(person.first_name), collation_key(person.middle_name),
                                              collation_key(person.full_name)))
