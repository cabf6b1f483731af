"""Accounts from the class lists the school already keeps (CSV saved from Excel).

The import is all or nothing: every row is checked first, and a file with any bad row
imports nothing and reports each bad row by line number. Re-importing the same file
creates no duplicates: people are recognised by role, name and class (or child).
"""

from __future__ import annotations

import csv
import datetime
import re
from dataclasses import dataclass, field

from appliance.db import database
from appliance.documents.csv_table import csv_table
from appliance.i18n import N_
from appliance.models.people import ADMIN, LEFT, PARENT, STUDENT, STUDYING, TEACHER, School, Student, User
from appliance.services import audit, tables, validation, years
from appliance.services import school as school_service
from appliance.services.errors import ImportRejected, NotFound, RowError, ServiceError
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
    "birth_date": ("дата рождения", "birth date", "birth_date", "date of birth"),
}
_NAME_OK = re.compile(r"^[A-Za-zА-ЯЁа-яё][A-Za-zА-ЯЁа-яё' .\-]*$")
_LOGIN_OK = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_YES = ("да", "yes", "1", "+", "true", "д")


@dataclass
class ImportResult:
    created: list[User] = field(default_factory=list)
    existing: int = 0
    moved: int = 0
    returned: int = 0
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
    birth_date: datetime.date | None = None

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
    try:
        birth_date = validation.parse_date(_cell(record, columns, "birth_date"))
    except ValueError:
        return None, RowError(line, N_("дата рождения «%(value)s» не распознана: напишите её как 25.12.2012."),
                              value=_cell(record, columns, "birth_date")[:20])
    return _Row(line, role, last, first, middle, class_name, child, login, class_teacher, birth_date), None


# What the import does with a student's row.
NEW, UNCHANGED, MOVED, RETURNED, AMBIGUOUS = "new", "unchanged", "moved", "returned", "ambiguous"
_ELSEWHERE = N_("не в классе (выбыл или выпускник)")
STATUS_NAMES = {NEW: N_("новый"), UNCHANGED: N_("без изменений"), MOVED: N_("переводится"),
                RETURNED: N_("возвращается"), AMBIGUOUS: N_("неоднозначно")}


@dataclass
class Match:
    status: str
    user: User | None = None
    note: str = ""  # for an ambiguous row: who it could be (class names)


def match_student(row: _Row, school: School) -> Match:
    """Who a student's row names: by login when the file has one; otherwise by full name (and birth
    date, when both the file and the school know it) in the row's class, or in the class the student
    would be in after moving up a grade. Two candidates, or a namesake elsewhere, is ambiguous:
    the administrator decides (adds the login), the import never guesses."""
    if row.login:
        user = User.get_or_none(User.login == row.login)
        if user is None:
            return Match(NEW)
        if user.role != STUDENT or user.school_id != school.id or _fold(user.full_name) != _fold(row.full_name):
            return Match(AMBIGUOUS, note=row.login)
        return _moved_or_not(user, row)
    rows = (User.select(User, Student).join(Student, on=(Student.user == User.id))
            .where((User.school == school) & (User.role == STUDENT) & (User.last_name == row.last_name)))
    candidates = [u for u in rows if _fold(u.full_name) == _fold(row.full_name)
                  and not (row.birth_date and u.student.birth_date and u.student.birth_date != row.birth_date)]
    grade, letter = school_service.parse_class_name(row.class_name)
    here = [u for u in candidates if u.student.status == STUDYING and _class_name_of(u) == row.class_name]
    below = [u for u in candidates if u.student.status == STUDYING
             and _class_name_of(u) == school_service.class_name(grade - 1, letter)]
    if len(here) == 1 and not below:
        return Match(UNCHANGED, here[0])
    if len(below) == 1 and not here:
        return Match(MOVED, below[0])
    if not candidates:
        return Match(NEW)
    where = sorted({_class_name_of(u) or str(_ELSEWHERE) for u in candidates})
    return Match(AMBIGUOUS, note=", ".join(where))


def _class_name_of(user: User) -> str:
    group = school_service.class_of(user)
    return group.name if group else ""


def _moved_or_not(user: User, row: _Row) -> Match:
    status = user.student_profile.get().status if Student.select().where(Student.user == user).exists() else STUDYING
    if status == LEFT:
        return Match(RETURNED, user)
    return Match(UNCHANGED if _class_name_of(user) == row.class_name else MOVED, user)


@dataclass
class PreviewRow:
    line: int
    name: str
    role: str
    class_name: str
    status: str
    login: str = ""
    note: str = ""


def preview_roster(data: bytes, school: School, default_role: str | None = None) -> tuple[list[PreviewRow], list[RowError]]:
    """What importing the file would do, row by row: new, unchanged, moved, returned, ambiguous.
    Writes nothing."""
    rows, errors = read_rows(tables.decode_table(data, max_bytes=MAX_IMPORT_BYTES, too_big=TOO_BIG), default_role)
    if not rows and not errors:
        raise ImportRejected(N_("В файле нет ни одной строки с данными."))
    found = []
    claimed: dict = {}
    for row in rows:
        if row.role == STUDENT:
            match = match_student(row, school)
            if match.user is not None and match.user.id in claimed:
                errors.append(RowError(row.line, N_("это тот же ученик, что в строке %(other)s."),
                                       other=claimed[match.user.id]))
                continue
            if match.user is not None:
                claimed[match.user.id] = row.line
        else:
            existing = _existing_user(row, school, {})
            match = Match(UNCHANGED if existing else NEW, existing)
        found.append(PreviewRow(row.line, row.full_name, row.role, row.class_name, match.status,
                                match.user.login if match.user else row.login, match.note))
    return found, errors


def _existing_user(row: _Row, school: School, created_students: dict) -> User | None:
    if row.login:
        by_login = User.get_or_none((User.login == row.login) & (User.school == school) & (User.role == row.role))
        if by_login is not None:
            return by_login
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
        claimed: dict = {}
        for row in rows:
            if row.role == PARENT:
                pending_parents.append(row)
                continue
            if row.role == STUDENT:
                user = _student_of_row(row, school, claimed, result, errors, by, address)
                if user is not None:
                    students[(_fold(row.full_name), row.class_name)] = user
                    continue
                if any(e.line == row.line for e in errors):
                    continue
            user = _existing_user(row, school, students) if row.role != STUDENT else None
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
                     detail=f"created={len(result.created)} existing={result.existing} moved={result.moved} "
                            f"returned={result.returned} links={result.links}")
    return result


def _student_of_row(row: _Row, school: School, claimed: dict, result: ImportResult, errors: list[RowError],
                    by: User | None, address: str) -> User | None:
    """The existing student the row names, moved or returned into the row's class; None for a new
    one (or a row in error, with the reason added to `errors`)."""
    from appliance.services import enrolment

    match = match_student(row, school)
    if match.status == AMBIGUOUS and row.login:
        errors.append(RowError(row.line, N_("логин «%(login)s» уже занят другим человеком."), login=row.login))
        return None
    if match.status == AMBIGUOUS:
        errors.append(RowError(row.line, N_("неоднозначно: «%(name)s» может быть учеником из %(where)s. Добавьте "
                                            "колонку «Логин» (или «Дата рождения»), чтобы указать, кто это."),
                               name=row.full_name, where=match.note))
        return None
    if match.user is None:
        return None
    if match.user.id in claimed:
        errors.append(RowError(row.line, N_("это тот же ученик, что в строке %(other)s."), other=claimed[match.user.id]))
        return None
    claimed[match.user.id] = row.line
    if match.status in (MOVED, RETURNED):
        _class(school, row.class_name, result)
    if match.status == MOVED:
        enrolment.move(match.user, row.class_name, by=by, address=address)
        result.moved += 1
    elif match.status == RETURNED:
        enrolment.return_(match.user, row.class_name, by=by, address=address)
        result.returned += 1
    else:
        result.existing += 1
    if row.birth_date:
        Student.update(birth_date=row.birth_date).where(Student.user == match.user).execute()
    return match.user


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
        group = _class(school, row.class_name, result)
        Student.create(user=user, class_group=group, birth_date=row.birth_date)
        years.set_membership(user, years.current_year(school), group)
    result.created.append(user)
    return user


# The template offered on the import page: the header and one example row (a pupil with a new account).
TEMPLATE = (("Роль", "Фамилия", "Имя", "Отчество", "Класс", "Дата рождения", "Ребёнок", "Логин", "Классный руководитель"),
            ("ученик", "Иванова", "Мария", "Петровна", "7Б", "12.03.2013", "", "", ""))
EXPORT_HEADER = ("Роль", "Фамилия", "Имя", "Отчество", "Класс", "Логин", "Дата рождения", "Ребёнок")


def export_roster(school: School, class_name: str | None = None) -> bytes:
    """The class lists in the import's own format (students, then each parent once per child, by the
    child's login), so importing the file back recognises everyone and creates nothing."""
    if class_name:
        group = school_service.find_class(school, class_name)
        if group is None:
            raise NotFound(N_("Класс «%(name)s» не найден."), name=class_name.strip())
        groups = [group]
    else:
        groups = school_service.classes(school)
    rows: list[tuple] = [EXPORT_HEADER]
    parent_rows = []
    for group in groups:
        for student in school_service.students_of(group):
            profile = Student.get(Student.user == student)
            born = profile.birth_date.strftime("%d.%m.%Y") if profile.birth_date else ""
            rows.append(("ученик", student.last_name, student.first_name, student.middle_name, group.name,
                         student.login, born, ""))
            for parent, _ in school_service.parents_of(student):
                parent_rows.append(("родитель", parent.last_name, parent.first_name, parent.middle_name, group.name,
                                    parent.login, "", student.login))
    return csv_table(rows + parent_rows).encode("utf-8")
