"""Accounts from the class lists the school already keeps (CSV saved from Excel).

The import is all or nothing: every row is checked first, and a file with any bad row
imports nothing and reports each bad row by line number. Re-importing the same file
creates no duplicates: people are recognised by role, name and class (or child).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field

from appliance.db import database
from appliance.i18n import N_
from appliance.models.people import ADMIN, PARENT, STUDENT, TEACHER, School, Student, User
from appliance.services import audit, tables
from appliance.services import school as school_service
from appliance.services.errors import ImportRejected, RowError, ServiceError
from appliance.services.names import make_login, split_full_name

MAX_IMPORT_BYTES = 2 * 1024 * 1024
TOO_BIG = N_("Файл слишком большой: список учеников не бывает больше %(mb)s МБ.")

ROLE_WORDS = {
    STUDENT: ("ученик", "ученица", "учащийся", "обучающийся", "student"),
    TEACHER: ("учитель", "педагог", "преподаватель", "классный руководитель", "teacher"),
    PARENT: ("родитель", "мама", "папа", "законный представитель", "parent"),
    ADMIN: ("администратор", "админ", "администрация", "admin"),
}
COLUMN_WORDS = {
    "role": ("роль", "role", "кто"),
    "full_name": ("фио", "ф.и.о.", "ф. и. о.", "ученик фио", "full name", "full_name", "name"),
    "last_name": ("фамилия", "last name", "last_name", "surname"),
    "first_name": ("имя", "first name", "first_name"),
    "middle_name": ("отчество", "middle name", "middle_name", "patronymic"),
    "class": ("класс", "class", "группа"),
    "child": ("ребёнок", "ребенок", "дети", "child", "чей родитель"),
    "login": ("логин", "login"),
    "class_teacher": ("классный руководитель", "кл. руководитель", "кл. рук.", "class teacher"),
}
_NAME_OK = re.compile(r"^[A-Za-zА-ЯЁа-яё][A-Za-zА-ЯЁа-яё' .\-]*$")
_LOGIN_OK = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_YES = ("да", "yes", "1", "+", "true", "д")


@dataclass
class ImportResult:
    created: list[User] = field(default_factory=list)
    existing: int = 0
    links: int = 0
    classes_created: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    role: str
    last_name: str
    first_name: str
    middle_name: str
    class_name: str
    child: str
    login: str
    class_teacher: bool

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    def key(self) -> tuple:
        return (self.role, _fold(self.full_name), self.class_name if self.role == STUDENT else "",
                _fold(self.child) if self.role == PARENT else "")


def _fold(text: str) -> str:
    return " ".join(text.lower().replace("ё", "е").split())


def _column_map(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        title = _fold(title.strip().strip("\ufeff"))
        for name, words in COLUMN_WORDS.items():
            if title in words and name not in found:
                found[name] = index
    return found


def read_rows(text: str, default_role: str | None = None) -> tuple[list[_Row], list[RowError]]:
    """Parse and check every row; return the good rows and the list of errors."""
    reader = tables.table_rows(text)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ServiceError(N_("Файл пустой."), status=422) from None
    columns = _column_map(header)
    if not columns:
        raise ImportRejected(N_("Не удалось распознать заголовок таблицы. В первой строке должны быть названия колонок: "
                                "Роль; ФИО; Класс; Ребёнок. Если буквы выглядят как «кракозябры», сохраните файл "
                                "в кодировке UTF-8 или Windows-1251."))
    missing = []
    if "full_name" not in columns and not {"last_name", "first_name"} <= columns.keys():
        missing.append("ФИО")
    if "role" not in columns and not default_role:
        missing.append("Роль")
    if missing:
        raise ImportRejected(N_("В файле нет обязательных колонок: %(columns)s."), columns=", ".join(missing))

    rows: list[_Row] = []
    errors: list[RowError] = []
    seen: dict[tuple, int] = {}
    logins: dict[str, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            row, problem = _parse_row(record, columns, default_role, line)
            if problem:
                errors.append(problem)
                continue
            if row.key() in seen:
                errors.append(RowError(line, N_("повторяет строку %(other)s."), other=seen[row.key()]))
                continue
            seen[row.key()] = line
            if row.login:
                if row.login in logins:
                    errors.append(RowError(line, N_("логин «%(login)s» уже указан в строке %(other)s."),
                                           login=row.login, other=logins[row.login]))
                    continue
                logins[row.login] = line
            rows.append(row)
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, N_("не удалось прочитать строку: %(reason)s."), reason=str(exc)))
    return rows, errors


def _cell(record: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    if index is None or index >= len(record):
        return ""
    return " ".join(record[index].split())


def _parse_role(text: str) -> str | None:
    word = _fold(text)
    for role, words in ROLE_WORDS.items():
        if word in words:
            return role
    return None


def _parse_row(record, columns, default_role, line) -> tuple[_Row | None, RowError | None]:
    role_text = _cell(record, columns, "role")
    role = _parse_role(role_text) if role_text else default_role
    if role is None:
        return None, RowError(line, N_("неизвестная роль «%(role)s»: ожидается ученик, учитель, родитель или администратор."),
                              role=role_text)
    if "full_name" in columns:
        last, first, middle = split_full_name(_cell(record, columns, "full_name"))
    else:
        last, first, middle = (_cell(record, columns, n) for n in ("last_name", "first_name", "middle_name"))
    if not last or not first:
        return None, RowError(line, N_("не указаны фамилия и имя."))
    for part in (last, first, middle):
        if part and (not _NAME_OK.match(part) or len(part) > 80):
            return None, RowError(line, N_("в имени «%(name)s» есть недопустимые символы."), name=part)
    class_text = _cell(record, columns, "class")
    class_name = ""
    if class_text:
        names = []
        for piece in re.split(r"[,/]", class_text) if role == TEACHER else [class_text]:
            try:
                names.append(school_service.class_name(*school_service.parse_class_name(piece)))
            except ServiceError as exc:
                return None, RowError(line, exc.message.template, **exc.message.params)
        class_name = ",".join(names)
    if role in (STUDENT, PARENT) and not class_name:
        return None, RowError(line, N_("не указан класс."))
    child = _cell(record, columns, "child")
    if role == PARENT and not child:
        return None, RowError(line, N_("для родителя не указан ребёнок (колонка «Ребёнок»)."))
    login = _cell(record, columns, "login").lower()
    if login and not _LOGIN_OK.match(login):
        return None, RowError(line, N_("логин «%(login)s» может содержать только латинские буквы, цифры, точку, дефис и подчёркивание."),
                              login=login)
    class_teacher = _fold(_cell(record, columns, "class_teacher")) in _YES
    return _Row(line, role, last, first, middle, class_name, child, login, class_teacher), None


def _existing_user(row: _Row, school: School, created_students: dict) -> User | None:
    query = User.select().where((User.school == school) & (User.role == row.role))
    matches = [u for u in query.where(User.last_name == row.last_name) if _fold(u.full_name) == _fold(row.full_name)]
    if row.role == STUDENT:
        matches = [u for u in matches if (g := school_service.class_of(u)) and g.name == row.class_name]
    if row.role == PARENT:
        child = _find_child(row, school, created_students)
        parents = {p.id for p, _ in school_service.parents_of(child)} if child else set()
        matches = [u for u in matches if u.id in parents]
    return matches[0] if matches else None


def _find_child(row: _Row, school: School, created_students: dict) -> User | None:
    key = (_fold(row.child), row.class_name)
    if key in created_students:
        return created_students[key]
    by_login = User.get_or_none((User.login == row.child.lower()) & (User.role == STUDENT))
    if by_login:
        return by_login
    group = school_service.find_class(school, row.class_name)
    if group is None:
        return None
    candidates = [u for u in school_service.students_of(group) if _fold(u.full_name) == _fold(row.child)]
    return candidates[0] if len(candidates) == 1 else None


def import_roster(data: bytes, school: School, default_role: str | None = None, by: User | None = None,
                  address: str = "") -> ImportResult:
    """Create the accounts a class list describes. All rows or none."""
    rows, errors = read_rows(tables.decode_table(data, max_bytes=MAX_IMPORT_BYTES, too_big=TOO_BIG), default_role)
    if not rows and not errors:
        raise ImportRejected(N_("В файле нет ни одной строки с данными."))
    result = ImportResult()
    with database.atomic() as transaction:
        students: dict[tuple[str, str], User] = {}
        pending_parents = []
        taken_logins = set()
        for row in rows:
            if row.role == PARENT:
                pending_parents.append(row)
                continue
            user = _existing_user(row, school, students)
            if user is None:
                user = _create_user(row, school, taken_logins, result, errors)
                if user is None:
                    continue
            else:
                result.existing += 1
            if row.role == STUDENT:
                students[(_fold(row.full_name), row.class_name)] = user
            if row.role == TEACHER and row.class_name:
                for name in row.class_name.split(","):
                    school_service.assign_teacher(user, _class(school, name, result), row.class_teacher)
        parents_in_file: dict[str, User] = {}
        for row in pending_parents:
            child = _find_child(row, school, students)
            if child is None:
                errors.append(RowError(row.line, N_("ребёнок «%(child)s» не найден в классе %(class_name)s."),
                                       child=row.child, class_name=row.class_name))
                continue
            # One parent of several children appears once per child in the file.
            user = parents_in_file.get(_fold(row.full_name)) or _existing_user(row, school, students)
            if user is None:
                user = _create_user(row, school, taken_logins, result, errors)
                if user is None:
                    continue
            elif _fold(row.full_name) not in parents_in_file:
                result.existing += 1
            parents_in_file[_fold(row.full_name)] = user
            link_count = len(school_service.parents_of(child))
            school_service.link_parent(user, child)
            result.links += len(school_service.parents_of(child)) - link_count
        if errors:
            transaction.rollback()
            errors.sort(key=lambda e: e.line)
            raise ImportRejected(N_("Файл не импортирован: исправьте ошибки (%(count)s) и загрузите его снова."),
                                 rows=errors, count=len(errors))
        audit.record("users.import", user=by, address=address,
                     detail=f"created={len(result.created)} existing={result.existing} links={result.links}")
    return result


def _class(school: School, name: str, result: ImportResult):
    group = school_service.find_class(school, name)
    if group is None:
        group = school_service.get_or_create_class(school, name)
        result.classes_created.append(name)
    return group


def _create_user(row: _Row, school: School, taken: set[str], result: ImportResult,
                 errors: list[RowError]) -> User | None:
    """A new account for the row, or None (with the reason in `errors`) when its login is taken."""
    if row.login and User.select().where(User.login == row.login).exists():
        errors.append(RowError(row.line, N_("логин «%(login)s» уже занят другим человеком."), login=row.login))
        return None
    login = row.login or make_login(row.last_name, row.first_name, taken)
    taken.add(login)
    user = User.create(school=school, role=row.role, login=login, full_name=row.full_name,
                       last_name=row.last_name, first_name=row.first_name, middle_name=row.middle_name)
    if row.role == STUDENT:
        Student.create(user=user, class_group=_class(school, row.class_name, result))
    result.created.append(user)
    return user
