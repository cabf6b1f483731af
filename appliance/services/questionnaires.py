"""Questionnaires and surveys defined as data: JSON files shipped with the appliance in
`appliance/questionnaires/` plus the school's own in `<data dir>/questionnaires/`.

A guidance questionnaire has scales (with interpretation texts for each band), items rated
on a range ("rating") or forced-choice pairs whose options each count for a scale ("choice").
A survey has questions: "scale" (a number in a range), "choice" (one of the options), "multi" (any
of the options, at least one when required) or "text" (with an optional "max_length").
A mentoring questionnaire (kind "mentoring": the needs a mentee states before pairing) has questions
of the same types; its options are objects {"value", "text", "for"} so that a stored answer is a code
the portal knows and people read the words; some of its questions fill the request's own columns
(see MENTORING_FIELDS).

A question or an option may be limited to roles with "for" (default: a survey's pupils and parents,
a mentoring questionnaire's pupils, teachers and parents); two questions may share an id when their
roles differ (the same question worded «ты» for pupils and «Вы» for adults).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from appliance.i18n import N_
from appliance.models.mentoring import FORMS, MEETING_FORMATS, NEEDS
from appliance.models.people import PARENT, STUDENT, TEACHER
from appliance.services import validation
from appliance.services.errors import NotFound, ServiceError

SHIPPED = Path(__file__).resolve().parent.parent / "questionnaires"


@dataclass
class Questionnaire:
    code: str
    kind: str  # guidance | survey | mentoring
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

    @property
    def default_roles(self) -> tuple[str, ...]:
        return (STUDENT, TEACHER, PARENT) if self.kind == "mentoring" else (STUDENT, PARENT)

    def _question(self, question: dict, role: str | None) -> dict:
        """A question with its options as values ("options") and as (value, words) pairs ("choices"),
        the options for `role` only."""
        shown = dict(question)
        if "options" in question:
            pairs = [(o, o) if isinstance(o, str) else (o["value"], o["text"]) for o in question["options"]
                     if isinstance(o, str) or role is None or role in o.get("for", self.default_roles)]
            shown["choices"] = pairs
            shown["options"] = [value for value, _text in pairs]
        return shown

    def all_questions(self) -> list[dict]:
        """Every question once (the first wording of an id shared by roles), with the options of all its
        wordings."""
        seen: dict[str, dict] = {}
        for question in self.questions:
            shown = self._question(question, None)
            first = seen.setdefault(question["id"], shown)
            if first is not shown and "choices" in shown:
                first["choices"] = first["choices"] + [c for c in shown["choices"] if c[0] not in first["options"]]
                first["options"] = [value for value, _text in first["choices"]]
        return list(seen.values())

    def answer_specs(self, role: str | None = None) -> list[dict]:
        """What each answer may be, in one shape for every kind: {id, type: scale | choice | multi | text,
        min, max, options (allowed values), required}. A survey's questions for `role` only."""
        if self.kind in ("survey", "mentoring"):
            if role is None:
                return self.all_questions()
            return [self._question(q, role) for q in self.questions if role in q.get("for", self.default_roles)]
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
        if spec["type"] == "multi":
            chosen = _many(raw, spec["id"])
            if not chosen:
                if spec.get("required", True):
                    missing.append(number)
            elif set(chosen) <= {str(option) for option in spec["options"]}:
                clean[spec["id"]] = [str(o) for o in spec["options"] if str(o) in set(chosen)]
            else:
                wrong.append(number)
            continue
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
            limit = int(spec.get("max_length", MAX_TEXT_ANSWER))
            if len(value) > limit:
                raise AnswersRejected(N_("Ответ на вопрос %(number)d длиннее %(limit)d знаков: сократите текст."),
                                      number=number, limit=limit)
            clean[spec["id"]] = value
    if wrong:
        raise AnswersRejected(wrong_message, numbers=_numbers(wrong))
    if missing:
        raise AnswersRejected(missing_message, numbers=_numbers(missing))
    return clean


def _many(raw, key: str) -> list[str]:
    """Every value sent for a question with several answers (a form's checkboxes or a list)."""
    values = raw.getlist(key) if hasattr(raw, "getlist") else raw.get(key)
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [str(v).strip() for v in values if str(v).strip()]


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


QUESTION_TYPES = ("scale", "choice", "multi", "text")


def _check_survey(data: dict, name: str) -> None:
    for question in data["questions"]:
        if question.get("type") not in QUESTION_TYPES:
            raise DefinitionError(N_("Опрос %(name)s: у вопроса %(item)s неизвестный тип."),
                                  name=name, item=question.get("id"))
        if question["type"] in ("choice", "multi") and not question.get("options"):
            raise DefinitionError(N_("Опрос %(name)s: у вопроса %(item)s нет вариантов ответа."),
                                  name=name, item=question.get("id"))


# The questions of a mentoring questionnaire that fill the request's own columns (the coordinator's list,
# matching and the counts read them): id → (type, the codes its options may have). "any" is «любая форма».
MENTORING_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "needs": ("multi", tuple(NEEDS)),
    "request": ("text", ()),
    "form": ("choice", ("any", *FORMS)),
    "meeting_format": ("choice", tuple(MEETING_FORMATS)),
}
MAX_CODE = 24  # an option's value in a mentoring questionnaire
MAX_REQUEST_TEXT = 1000  # what the request's own column holds


def _check_mentoring(data: dict, name: str) -> None:
    _check_survey(data, name)
    roles = (STUDENT, TEACHER, PARENT)
    for role in roles:
        ids = [q["id"] for q in data["questions"] if role in q.get("for", roles)]
        if len(ids) != len(set(ids)):
            raise DefinitionError(N_("Анкета %(name)s: вопрос повторяется для одной роли."), name=name)
        if missing := [code for code in MENTORING_FIELDS if code not in ids]:
            raise DefinitionError(N_("Анкета %(name)s: нет вопроса %(item)s."), name=name, item=missing[0])
    for question in data["questions"]:
        if any(role not in roles for role in question.get("for", roles)):
            raise DefinitionError(N_("Анкета %(name)s: у вопроса %(item)s неизвестная роль."),
                                  name=name, item=question["id"])
        options = question.get("options", [])  # objects {"value", "text"}, never bare words
        values = [o["value"] for o in options]
        if any(not isinstance(o["value"], str) or not o["value"] or len(o["value"]) > MAX_CODE or not o.get("text")
               for o in options) or len(values) != len(set(values)):
            raise DefinitionError(N_("Анкета %(name)s: у вопроса %(item)s неверные варианты."),
                                  name=name, item=question["id"])
        field_ = MENTORING_FIELDS.get(question["id"])
        if field_ is None:
            continue
        kind, codes = field_
        if question["type"] != kind or (codes and any(v not in codes for v in values)):
            raise DefinitionError(N_("Анкета %(name)s: вопрос %(item)s должен быть другим (тип или варианты)."),
                                  name=name, item=question["id"])
        if kind == "text" and int(question.get("max_length", MAX_REQUEST_TEXT)) > MAX_REQUEST_TEXT:
            raise DefinitionError(N_("Анкета %(name)s: ответ на вопрос %(item)s длиннее %(limit)d знаков."),
                                  name=name, item=question["id"], limit=MAX_REQUEST_TEXT)


def parse_definition(text: str, name: str = "") -> Questionnaire:
    """Read and check one definition; a broken file is refused with the reason."""
    try:
        data = validation.parse_json(text)
        kind = data["kind"]
        if kind == "guidance":
            _check_guidance(data, name)
        elif kind == "survey":
            _check_survey(data, name)
        elif kind == "mentoring":
            _check_mentoring(data, name)
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


@dataclass
class QuestionResult:
    """One question's answers counted: how many chose each option (all options listed, none chosen
    too), the average of a scale, the texts of a text question and how many answered it."""

    question: dict
    counts: dict[str, int] = field(default_factory=dict)  # answer → how many
    average: float | None = None
    texts: list[str] = field(default_factory=list)
    answered: int = 0

    def words(self, answer: str) -> str:
        """What people read for an answer: the option's text (a mentoring code's words) or the answer."""
        return dict(self.question.get("choices", ())).get(answer, answer)


def tally(questions: list[dict], answer_sets) -> list[QuestionResult]:
    """Counts, averages and texts per question over many people's answers (dicts id → value): the one
    aggregation surveys and the mentoring needs report share."""
    found = {q["id"]: QuestionResult(q) for q in questions}
    for q in questions:
        if q["type"] == "scale":
            found[q["id"]].counts = {str(v): 0 for v in range(q["min"], q["max"] + 1)}
        elif q["type"] in ("choice", "multi"):
            found[q["id"]].counts = {str(option): 0 for option in q["options"]}
    for answers in answer_sets:
        for key, value in answers.items():
            result = found.get(key)
            if result is None:
                continue
            result.answered += 1
            if result.question["type"] == "text":
                result.texts.append(str(value))
                continue
            for one in value if isinstance(value, list) else [value]:
                result.counts[str(one)] = result.counts.get(str(one), 0) + 1
    for result in found.values():
        if result.question["type"] == "scale" and result.answered:
            total = sum(int(k) * v for k, v in result.counts.items())
            result.average = round(total / result.answered, 2)
    return list(found.values())
