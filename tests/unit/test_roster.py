import pytest

from appliance.models.people import ClassGroup, ParentLink, Student, TeacherAssignment, User
from appliance.services import roster
from appliance.services.errors import ImportRejected, ServiceError
from appliance.services.names import make_login, split_full_name, transliterate
from appliance.services.school import ensure_school, parse_class_name

CLASS_LIST = """Роль;ФИО;Класс;Ребёнок;Классный руководитель
ученик;Петров Иван Сергеевич;7Б;;
ученица;Соколова Анна Дмитриевна;7 б;;
ученик;Ёлкин Фёдор Ильич;5А;;
учитель;Смирнова Ольга Викторовна;7Б, 5А;;да
родитель;Петрова Мария Ивановна;7Б;Петров Иван Сергеевич;
родитель;Петрова Мария Ивановна;5А;Ёлкин Фёдор Ильич;
"""


@pytest.fixture
def school(db):
    return ensure_school("Школа № 1", "s1")


def test_import_utf8_with_bom_creates_everyone(school):
    result = roster.import_roster(("\ufeff" + CLASS_LIST).encode("utf-8"), school)
    assert len(result.created) == 5 and result.links == 2
    assert sorted(result.classes_created) == ["5А", "7Б"]
    ivan = User.get(User.login == "petrov.i")
    assert (ivan.last_name, ivan.first_name, ivan.middle_name) == ("Петров", "Иван", "Сергеевич")
    assert Student.get(Student.user == ivan).class_group.name == "7Б"
    mother = User.get(User.role == "parent")
    assert ParentLink.select().where(ParentLink.parent == mother).count() == 2
    teacher = User.get(User.role == "teacher")
    assert TeacherAssignment.select().where(TeacherAssignment.teacher == teacher,
                                            TeacherAssignment.is_class_teacher).count() == 2


def test_cp1251_and_commas_and_reimport_has_no_duplicates(school):
    data = CLASS_LIST.replace(";", ",").replace(",5А", ",5А").replace("7Б, 5А", "7Б/5А").encode("cp1251")
    first = roster.import_roster(data, school)
    again = roster.import_roster(data, school)
    assert len(first.created) == 5
    assert len(again.created) == 0 and again.existing == 5 and again.links == 0
    assert User.select().count() == 5 and ClassGroup.select().count() == 2


def test_default_role_when_the_file_has_no_role_column(school):
    result = roster.import_roster("Фамилия;Имя;Отчество;Класс\nИванов;Пётр;;9В\n".encode(), school, "student")
    assert result.created[0].full_name == "Иванов Пётр"


def _rejected(data: bytes, school, **kwargs) -> ImportRejected:
    before = User.select().count()
    with pytest.raises(ImportRejected) as info:
        roster.import_roster(data, school, **kwargs)
    assert User.select().count() == before and ClassGroup.select().count() == 0
    return info.value


def test_missing_column_is_named(school):
    error = _rejected("Роль;Класс\nученик;7Б\n".encode(), school)
    assert "нет обязательных колонок: ФИО" in str(error)


def test_every_bad_row_is_reported_and_nothing_is_imported(school):
    data = ("Роль;ФИО;Класс;Ребёнок;Логин\n"
            "ученик;Петров Иван;7Б;;\n"        # line 2: fine
            "ученик;;7Б;;\n"                    # 3: empty name
            "ученик;Сидоров Пётр;15Ы;;\n"       # 4: unknown class
            "директор;Иванов Иван;;;\n"          # 5: unknown role
            "ученик;Котов Лев;7Б;;kot\n"         # 6: login
            "ученик;Котова Ева;7Б;;kot\n"        # 7: duplicate login
            "родитель;Белова Ирина;7Б;Белов Никто;\n"  # 8: child not found
            "ученик;Петров Иван;7Б;;\n")        # 9: repeats line 2
    error = _rejected(data.encode(), school)
    lines = {row.line: str(row.message) for row in error.rows}
    assert set(lines) == {3, 4, 5, 7, 8, 9}, lines
    assert "не указаны фамилия и имя" in lines[3]
    assert "Неизвестный класс «15Ы»" in lines[4]
    assert "неизвестная роль «директор»" in lines[5]
    assert "уже указан в строке 6" in lines[7]
    assert "не найден в классе 7Б" in lines[8]
    assert "повторяет строку 2" in lines[9]
    assert "(6)" in str(error)


def test_login_taken_by_someone_else(school):
    roster.import_roster("Роль;ФИО;Класс;Логин\nученик;Котов Лев;7Б;kot\n".encode(), school)
    with pytest.raises(ImportRejected) as info:
        roster.import_roster("Роль;ФИО;Класс;Логин\nученик;Мышкин Лев;7Б;kot\n".encode(), school)
    assert "уже занят" in str(info.value.rows[0])
    assert User.select().count() == 1


@pytest.mark.parametrize("data, status, words", [
    (b"PK\x03\x04xlsx-inside", 415, "Это не CSV-файл"),
    (b"\x89PNG\r\n\x1a\n....", 415, "Это не CSV-файл"),
    (b"abc\x00def\x00", 415, "Это не CSV-файл"),
    (b"   \n", 422, "пустой"),
    (b"x" * (roster.MAX_IMPORT_BYTES + 1), 413, "слишком большой"),
])
def test_not_a_table(school, data, status, words):
    with pytest.raises(ServiceError, match=words) as info:
        roster.import_roster(data, school)
    assert info.value.status == status


def test_wrong_encoding_is_explained(school):
    # A KOI8-R file read as Windows-1251 has no recognisable header.
    error = _rejected(CLASS_LIST.encode("koi8-r"), school)
    assert "кодировке UTF-8 или Windows-1251" in str(error)


def test_class_names_and_logins():
    assert parse_class_name("7б") == (7, "Б") and parse_class_name(" 11 - А ") == (11, "А")
    assert parse_class_name("3") == (3, "")
    with pytest.raises(ServiceError):
        parse_class_name("12А")
    assert transliterate("Щукина Юлия") == "shchukinayuliya"
    assert split_full_name("Алиев Рустам Ильхам оглы") == ("Алиев", "Рустам", "Ильхам оглы")


def test_logins_are_unique(db):
    assert make_login("Ёлкина", "Мария", {"elkina.m"}) == "elkina.m2"
