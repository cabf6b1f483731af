"""Questionnaires and surveys defined as data: JSON files shipped with the appliance in
`appliance/questionnaires/` plus the school's own in `<data dir>/questionnaires/`.

A guidance questionnaire has scales (with interpretation texts for each band), items rated
on a range ("rating") or forced-choice pairs whose options each count for a scale ("choice").
A survey has questions: "scale" (a number in a range), "choice" (one of the options) or "text".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from appliance.i18n import N_
from appliance.models.people import PARENT, STUDENT
from appliance.services import validation
from appliance.services.errors import NotFound, ServiceError

SHIPPED = Path(__file__).resolve().parent.parent / "questionnaires"


@dataclass
class Questionnaire:
    code: str
    kind: str  # guidance | survey
    title: str
    data: dict = field(repr=False)

    @property
    def version(self) -> str:
        return str(self.data.get("version", "1"))

    @property
    def intro(self) -> str:
        return self.data.get("intro", "")

    @property
    def items(self) -> list[dict]:
        return self.data.get("items", [])

    @property
    def questions(self) -> list[dict]:
        return self.data.get("questions", [])

    @property
    def scales(self) -> list[dict]:
        return self.data.get("scales", [])

    @property
    def response(self) -> dict:
        return self.data.get("response", {})

    def scale(self, code: str) -> dict:
        return next(s for s in self.scales if s["code"] == code)

    def answer_specs(self, role: str | None = None) -> list[dict]:
        """What each answer may be, in one shape for both kinds: {id, type: scale | choice | text,
        min, max, options (allowed values), required}. A survey's questions for `role` only."""
        if self.kind == "survey":
            return [q for q in self.questions if role is None or role in q.get("for", (STUDENT, PARENT))]
        rating = self.response.get("type") == "rating"
        return [{"id": item["id"], "type": "scale" if rating else "choice", "required": True,
                 "min": self.response.get("min"), "max": self.response.get("max"),
                 "options": [] if rating else [option["value"] for option in item["options"]]}
                for item in self.items]


class AnswersRejected(ServiceError):
    status = 422


MAX_TEXT_ANSWER = 2000
_MAX_LISTED = 10  # how many question numbers a refusal names before «и другие»


def check_answers(specs: list[dict], raw: dict, *,
                  wrong_message: str = N_("Недопустимый ответ в вопросах: %(numbers)s."),
                  missing_message: str = N_("Ответьте, пожалуйста, на все обязательные вопросы. "
                                            "Пропущены: %(numbers)s.")) -> dict[str, object]:
    """Answers to a questionnaire or survey cleaned to numbers, option values or text.

    Every missing required answer and every answer out of range or not among the options is
    named by its question number (AnswersRejected); a text answer too long is refused, never cut.
    """
    clean: dict[str, object] = {}
    missing, wrong = [], []
    for number, spec in enumerate(specs, start=1):
        value = str(raw.get(spec["id"]) if raw.get(spec["id"]) is not None else "").strip()
        if not value:
            if spec.get("required", True):
                missing.append(number)
            continue
        if spec["type"] == "scale":
            try:
                rating = int(value)
            except ValueError:
                rating = None
            if rating is None or not spec["min"] <= rating <= spec["max"]:
                wrong.append(number)
            else:
                clean[spec["id"]] = rating
        elif spec["type"] == "choice":
            if value in [str(option) for option in spec["options"]]:
                clean[spec["id"]] = value
            else:
                wrong.append(number)
        else:
            if len(value) > MAX_TEXT_ANSWER:
                raise AnswersRejected(N_("Ответ на вопрос %(number)d длиннее %(limit)d знаков: сократите текст."),
                                      number=number, limit=MAX_TEXT_ANSWER)
            clean[spec["id"]] = value
    if wrong:
        raise AnswersRejected(wrong_message, numbers=_numbers(wrong))
    if missing:
        raise AnswersRejected(missing_message, numbers=_numbers(missing))
    return clean


def _numbers(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:_MAX_LISTED])
    return shown + (" и другие" if len(numbers) > _MAX_LISTED else "")


class DefinitionError(ServiceError):
    status = 422


def _check_guidance(data: dict, name: str) -> None:
    scales = {s["code"] for s in data["scales"]}
    kind = data.get("response", {}).get("type")
    if kind not in ("rating", "choice"):
        raise DefinitionError(N_("Анкета %(name)s: неизвестный тип ответов."), name=name)
    ids = set()
    for item in data["items"]:
        if item["id"] in ids:
            raise DefinitionError(N_("Анкета %(name)s: пункт %(item)s повторяется."), name=name, item=item["id"])
        ids.add(item["id"])
        used = [item["scale"]] if kind == "rating" else [o["scale"] for o in item["options"]]
        if any(code not in scales for code in used):
            raise DefinitionError(N_("Анкета %(name)s: пункт %(item)s ссылается на неизвестную шкалу."),
                                  name=name, item=item["id"])
    for band in data.get("bands", []):
        int(band["min"]), int(band["max"])


def _check_survey(data: dict, name: str) -> None:
    for question in data["questions"]:
        if question.get("type") not in ("scale", "choice", "text"):
            raise DefinitionError(N_("Опрос %(name)s: у вопроса %(item)s неизвестный тип."),
                                  name=name, item=question.get("id"))


def parse_definition(text: str, name: str = "") -> Questionnaire:
    """Read and check one definition; a broken file is refused with the reason."""
    try:
        data = validation.parse_json(text)
        kind = data["kind"]
        if kind == "guidance":
            _check_guidance(data, name)
        elif kind == "survey":
            _check_survey(data, name)
        else:
            raise DefinitionError(N_("Анкета %(name)s: неизвестный вид «%(kind)s»."), name=name, kind=kind)
        return Questionnaire(code=data["code"], kind=kind, title=data["title"], data=data)
    except (ValueError, KeyError, TypeError) as exc:
        raise DefinitionError(N_("Анкета %(name)s не читается: %(reason)s"), name=name, reason=str(exc)) from None


def load_all(extra_dir: Path | None = None) -> dict[str, Questionnaire]:
    """Every questionnaire by code; the school's files may add new ones or replace shipped ones."""
    found: dict[str, Questionnaire] = {}
    for folder in (SHIPPED, extra_dir):
        if folder is None or not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            questionnaire = parse_definition(path.read_text(encoding="utf-8"), path.name)
            found[questionnaire.code] = questionnaire
    return found


def get(code: str, extra_dir: Path | None = None, kind: str | None = None) -> Questionnaire:
    questionnaire = load_all(extra_dir).get(code)
    if questionnaire is None or (kind and questionnaire.kind != kind):
        raise NotFound(N_("Анкета не найдена."))
    return questionnaire
