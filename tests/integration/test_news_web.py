"""The school's news through the Flask test client: who writes, the pupils' notes approved by staff,
photos checked as evidence is, the pupil's consent for a note about their achievement, the home
pages, and the Atom feed for the school's site (parsed as XML)."""

from __future__ import annotations

import io
import zlib

import pytest
from lxml import etree
from PIL import Image

from appliance.models.calendar import Notification
from appliance.models.community import MEDIA
from appliance.models.news import PENDING, PUBLISHED, News
from appliance.models.people import STUDENT, User
from appliance.models.portfolio import Achievement
from appliance.services import accounts, ideas, uploads
from appliance.services import news as news_service
from tests.conftest import DEMO_PASSWORD, login, post_form

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def pages(demo, app):
    return app


def _client(app, who: str):
    client = app.test_client()
    login(client, who)
    return client


def _media_pupil() -> User:
    pupil = ideas.members_with(User.get(User.login == "student1").school, MEDIA)[0]
    accounts.set_password(pupil, DEMO_PASSWORD)
    return pupil


def _jpeg(size=(800, 600), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (90, 140, 200))
    out = io.BytesIO()
    if exif:
        info = Image.Exif()
        info[0x010F] = "PhoneMaker"  # Make
        info[0x8825] = {1: "N", 2: (59.0, 56.0, 0.0)}  # GPS: the place it was taken
        image.save(out, "JPEG", exif=info)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def _png_bomb() -> bytes:
    """A PNG of 9,000 × 9,000 points in a few kilobytes: decoding it would take 240 MB."""
    width = height = 9000
    raw = zlib.compress(b"".join(b"\x00" + b"\x00" * width for _ in range(height)), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        import struct
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    import struct
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _post_news(client, form: dict, photo: tuple[str, bytes] | None = None):
    data = {"title": "Концерт ко Дню учителя", "text": "Спасибо всем, кто пел и танцевал!"}
    data.update(form)
    if photo is not None:
        data["photo"] = (io.BytesIO(photo[1]), photo[0])
    return post_form(client, "/news/new", data, content_type="multipart/form-data")


def _news_files(settings) -> list:
    folder = settings.uploads_dir / "news"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# -- who writes, approval -------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["student1", "parent1", "teacher1", "admin"])
def test_the_list_and_a_note_open_for_everyone_of_the_school(pages, who):
    client = _client(pages, who)
    listing = client.get("/news/").get_data(as_text=True)
    assert "Субботник во дворе школы" in listing
    assert "Репортаж с ярмарки профессий" not in listing or who in ("teacher1", "admin")
    note = News.get(News.title == "Субботник во дворе школы")
    page = client.get(f"/news/{note.id.hex}")
    assert page.status_code == 200 and "сирени" in page.get_data(as_text=True)


@pytest.mark.parametrize("who, home", [("student1", "/student/"), ("parent1", "/parent/")])
def test_the_pupils_and_parents_home_pages_show_the_latest_news(pages, who, home):
    text = _client(pages, who).get(home, follow_redirects=True).get_data(as_text=True)
    assert "Новости школы" in text
    newest = news_service.latest(User.get(User.login == who).school)
    assert len(newest) == news_service.HOME_SIZE
    for note in newest:
        assert note.title in text
    assert "Репортаж с ярмарки профессий" not in text  # waiting for approval: nobody but staff and its author


def test_a_pupil_outside_the_media_team_may_not_publish(pages):
    client = _client(pages, "student1")
    before = News.select().count()
    assert client.get("/news/new").status_code == 403
    response = post_form(client, "/news/new", {"title": "Моя новость", "text": "Текст"}, page="/news/")
    assert response.status_code == 403
    assert "медиацентр" in response.get_data(as_text=True)
    assert News.select().count() == before


def test_a_media_pupils_note_waits_for_a_teacher_and_then_everyone_reads_it(pages):
    pupil = _media_pupil()
    told = Notification.select().where((Notification.user == pupil) & (Notification.kind == "news_reviewed"))
    heard_before = told.count()
    client = _client(pages, pupil.login)
    response = _post_news(client, {"title": "Победа в футбольном турнире"}, ("match.jpg", _jpeg()))
    assert response.status_code == 302
    note = News.get(News.title == "Победа в футбольном турнире")
    assert note.status == PENDING and note.published_at is None and note.photo_sha256
    # Another pupil and a parent do not see it yet, nor does the feed.
    other = _client(pages, "student1")
    assert other.get(f"/news/{note.id.hex}").status_code == 404
    assert _client(pages, "parent1").get(f"/news/{note.id.hex}").status_code == 404
    assert pages.test_client().get(f"/news/{note.id.hex}/photo").status_code == 404
    assert "футбольном" not in pages.test_client().get("/news/feed.atom").get_data(as_text=True)
    # The teachers hear of it; one returns it with a comment, the pupil fixes it, another approves.
    assert Notification.select().where(Notification.kind == "news_waiting").exists()
    teacher = _client(pages, "teacher1")
    assert post_form(teacher, f"/news/{note.id.hex}/return", {"comment": ""},
                     page=f"/news/{note.id.hex}").status_code == 422
    assert post_form(teacher, f"/news/{note.id.hex}/return", {"comment": "Добавь счёт матча"},
                     page=f"/news/{note.id.hex}").status_code == 302
    assert News.get_by_id(note.id).status == "returned"
    assert "Добавь счёт матча" in client.get(f"/news/{note.id.hex}").get_data(as_text=True)
    response = post_form(client, f"/news/{note.id.hex}/edit",
                         {"title": "Победа в футбольном турнире", "text": "Выиграли 3:1!"},
                         content_type="multipart/form-data")
    assert response.status_code == 302 and News.get_by_id(note.id).status == PENDING
    assert post_form(_client(pages, "admin"), f"/news/{note.id.hex}/approve",
                     page=f"/news/{note.id.hex}").status_code == 302
    note = News.get_by_id(note.id)
    assert note.status == PUBLISHED and note.published_at is not None
    assert "3:1" in other.get(f"/news/{note.id.hex}").get_data(as_text=True)
    assert pages.test_client().get(f"/news/{note.id.hex}/photo").status_code == 200
    assert told.count() == heard_before + 2  # returned, then published
    # Published: the pupil no longer changes it; staff still may.
    assert client.get(f"/news/{note.id.hex}/edit").status_code == 302
    assert post_form(client, f"/news/{note.id.hex}/delete", page=f"/news/{note.id.hex}").status_code == 409
    assert News.get_or_none(News.id == note.id) is not None


def test_staff_publish_directly_with_a_photo_stored_without_its_metadata(pages, settings):
    client = _client(pages, "teacher1")
    response = _post_news(client, {"title": "Выставка рисунков"}, ("IMG_0001.jpg", _jpeg((3200, 2400), exif=True)))
    assert response.status_code == 302
    note = News.get(News.title == "Выставка рисунков")
    assert note.status == PUBLISHED and note.published_at is not None
    stored = uploads.news_photo_path(settings, note.photo_sha256).read_bytes()
    with Image.open(io.BytesIO(stored)) as image:
        assert max(image.size) == news_service.PHOTO_SIDE
        assert not image.getexif()  # neither the device nor the place
    assert b"PhoneMaker" not in stored
    assert uploads.news_preview_path(settings, note.photo_sha256).is_file()
    # Deleting the note removes its photo too.
    assert post_form(client, f"/news/{note.id.hex}/delete", page=f"/news/{note.id.hex}").status_code == 302
    assert not uploads.news_photo_path(settings, note.photo_sha256).exists()


# -- bad input ------------------------------------------------------------------------------------
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(document.cookie)</script></svg>')


@pytest.mark.parametrize("form, photo, status, words", [
    ({}, ("logo.svg", SVG), 422, "содержит скрипт"),
    ({}, ("logo.jpg", SVG), 422, "содержит скрипт"),
    ({}, ("bomb.png", _png_bomb()), 422, "слишком большое по числу точек"),
    ({}, ("huge.jpg", b"\xff\xd8\xff" + b"\x00" * (11 * 1024 * 1024)), 413, "больше 10 МБ"),
    ({}, ("diploma.pdf", b"%PDF-1.4\n%%EOF"), 422, "Сюда нужна фотография"),
    ({"title": "З" * 201}, None, 422, "«Заголовок» длиннее 200 знаков"),
    ({"text": "Т" * 3001}, None, 422, "«Текст» длиннее 3000 знаков"),
    ({"title": ""}, None, 422, "Напишите заголовок"),
    ({"event": "не-событие"}, None, 422, "Событие не найдено в календаре школы"),
    ({"idea": "0" * 32}, None, 422, "Идея не найдена"),
])
def test_bad_input_is_refused_in_russian_and_writes_nothing(pages, settings, form, photo, status, words):
    client = _client(pages, "teacher1")
    before, files = News.select().count(), _news_files(settings)
    response = _post_news(client, form, photo)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert words in response.get_data(as_text=True)
    assert News.select().count() == before
    assert _news_files(settings) == files


def _someone_elses_confirmed_achievement() -> Achievement:
    return (Achievement.select().join(User, on=(Achievement.student == User.id))
            .where((Achievement.status == "confirmed") & (User.login != "student1") & (User.role == STUDENT)
                   & Achievement.news_consent_at.is_null()).first())


def test_a_note_about_an_achievement_needs_its_pupils_consent(pages):
    achievement = _someone_elses_confirmed_achievement()
    assert achievement is not None
    pupil = _media_pupil()
    writer = _client(pages, pupil.login)
    before = News.select().count()
    response = _post_news(writer, {"title": "Наш призёр", "achievement": achievement.id.hex})
    assert response.status_code == 422
    assert "не разрешил рассказывать об этом достижении" in response.get_data(as_text=True)
    assert News.select().count() == before
    # The form offers only what pupils allowed.
    assert achievement.id.hex not in writer.get("/news/new").get_data(as_text=True)
    # Another pupil cannot give consent for it: only its owner can.
    assert post_form(_client(pages, "student1"), f"/news/consent/{achievement.id.hex}", {"allowed": "1"},
                     page="/news/").status_code == 404
    assert Achievement.get_by_id(achievement.id).news_consent_at is None
    # The owner allows it on the achievement's page: now the note can name it.
    owner = achievement.student
    accounts.set_password(owner, DEMO_PASSWORD)
    mine = _client(pages, owner.login)
    assert "Разрешаю рассказать в новостях" in mine.get(f"/portfolio/a/{achievement.id.hex}").get_data(as_text=True)
    assert post_form(mine, f"/news/consent/{achievement.id.hex}", {"allowed": "1"},
                     page=f"/portfolio/a/{achievement.id.hex}").status_code == 302
    assert _post_news(writer, {"title": "Наш призёр", "achievement": achievement.id.hex}).status_code == 302
    note = News.get(News.title == "Наш призёр")
    assert post_form(_client(pages, "teacher1"), f"/news/{note.id.hex}/approve",
                     page=f"/news/{note.id.hex}").status_code == 302
    reader = _client(pages, "parent1")
    assert achievement.title in reader.get(f"/news/{note.id.hex}").get_data(as_text=True)
    # The pupil hears that the news told of them.
    assert Notification.select().where((Notification.user == owner) & (Notification.kind == "news_about")
                                       & (Notification.link == f"news:{note.id.hex}")).exists()
    # Taken back: the note stays, but no longer names the achievement or its pupil.
    assert post_form(mine, f"/news/consent/{achievement.id.hex}", {"allowed": "0"},
                     page=f"/portfolio/a/{achievement.id.hex}").status_code == 302
    page = reader.get(f"/news/{note.id.hex}").get_data(as_text=True)
    assert "Наш призёр" in page and achievement.title not in page and owner.last_name not in page


def test_an_unconfirmed_achievement_cannot_be_offered_to_the_news(pages):
    draft = Achievement.select().join(User, on=(Achievement.student == User.id)).where(
        (User.login == "student1") & (Achievement.status != "confirmed")).first()
    response = post_form(_client(pages, "student1"), f"/news/consent/{draft.id.hex}", {"allowed": "1"},
                         page=f"/portfolio/a/{draft.id.hex}", follow_redirects=True)
    assert "подтверждённом достижении" in response.get_data(as_text=True)
    assert Achievement.get_by_id(draft.id).news_consent_at is None


def test_the_database_itself_bounds_the_texts(pages):
    from peewee import IntegrityError

    from appliance.db import database

    school = User.get(User.login == "admin").school
    with pytest.raises(IntegrityError), database.atomic():
        News.insert(id=__import__("uuid").uuid4(), created_at="2026-01-01", updated_at="2026-01-01", school=school,
                    title="Т" * 201, status=PUBLISHED).execute()


# -- the Atom feed --------------------------------------------------------------------------------
def test_the_atom_feed_is_valid_bounded_absolute_and_names_no_pupil(pages, settings):
    teacher = User.get(User.login == "teacher1")
    for n in range(news_service.FEED_SIZE + 5):
        news_service.create(settings, teacher, {"title": f"Новость № {n}", "text": "Текст <b>без</b> разметки & всё"})
    anonymous = pages.test_client()
    response = anonymous.get("/news/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = etree.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "ru"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None, required
    base = settings.server.public_url.rstrip("/")
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == base + "/news/feed.atom"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == news_service.FEED_SIZE
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("urn:uuid:") for i in ids)
    for entry in entries:
        for required in ("title", "updated", "published", "content", "summary"):
            assert entry.find(f"{ATOM}{required}") is not None, required
        assert entry.findtext(f"{ATOM}updated").endswith("Z")
        for link in entry.findall(f"{ATOM}link"):
            assert link.get("href").startswith(base + "/news/")
    assert entries[0].findtext(f"{ATOM}title") == f"Новость № {news_service.FEED_SIZE + 4}"
    assert entries[0].findtext(f"{ATOM}content") == "Текст <b>без</b> разметки & всё"  # text, escaped by XML


def test_the_feed_carries_no_personal_data_of_minors(pages, settings):
    pupil = _media_pupil()
    made = news_service.create(settings, pupil, {"title": "Репортаж медиацентра", "text": "Было весело."})
    news_service.approve(User.get(User.login == "teacher1"), made.id)
    feed = pages.test_client().get("/news/feed.atom").get_data(as_text=True)
    assert "Репортаж медиацентра" in feed
    assert pupil.last_name not in feed and pupil.first_name not in feed and pupil.login not in feed
    # The demo's note about student1's achievement: its text is published, the pupil's name is not.
    student1 = User.get(User.login == "student1")
    assert "Поздравляем" in feed and student1.last_name not in feed
    assert "Репортаж с ярмарки профессий" not in feed  # still waiting


def test_the_feed_links_follow_the_configured_public_url(pages, settings):
    settings.server.public_url = "https://school619.example.ru/portal/"
    root = etree.fromstring(pages.test_client().get("/news/feed.atom").data)
    hrefs = [link.get("href") for link in root.iter(f"{ATOM}link")]
    assert hrefs and all(h.startswith("https://school619.example.ru/portal/news/") for h in hrefs)


# -- the media-team flag --------------------------------------------------------------------------
def test_the_administration_marks_the_media_team_and_the_mark_is_audited(pages):
    from appliance.models.audit import AuditLog

    student1 = User.get(User.login == "student1")
    pupil = _client(pages, "student1")
    assert pupil.get("/news/new").status_code == 403
    # A teacher cannot give the mark; the administration can, and the audit log keeps it.
    teacher = _client(pages, "teacher1")
    assert post_form(teacher, "/ideas/roles", {"user": student1.id.hex, "role": MEDIA, "on": "1"},
                     page="/news/").status_code == 403
    assert pupil.get("/news/new").status_code == 403
    admin = _client(pages, "admin")
    assert post_form(admin, "/ideas/roles", {"user": student1.id.hex, "role": MEDIA, "on": "1"}).status_code == 302
    assert AuditLog.select().where((AuditLog.action == "community.role")
                                   & (AuditLog.detail == f"media:+:{student1.login}")).exists()
    assert pupil.get("/news/new").status_code == 200
    assert _post_news(pupil, {"title": "Мой первый репортаж"}).status_code == 302
    assert News.get(News.title == "Мой первый репортаж").status == PENDING
    # Taken off the team: writing stops, and the unpublished note can no longer be changed by the pupil.
    assert post_form(admin, "/ideas/roles", {"user": student1.id.hex, "role": MEDIA, "on": "0"}).status_code == 302
    assert pupil.get("/news/new").status_code == 403
    note = News.get(News.title == "Мой первый репортаж")
    assert pupil.get(f"/news/{note.id.hex}/edit").status_code == 302
    post_form(pupil, f"/news/{note.id.hex}/edit", {"title": "Другой", "text": "Текст"}, page=f"/news/{note.id.hex}")
    assert News.get_by_id(note.id).title == "Мой первый репортаж"
    from appliance.services.errors import Forbidden
    with pytest.raises(Forbidden):
        news_service.update(None, student1, note.id, {"title": "Другой", "text": "Текст"})
    # Their own unpublished note they may still withdraw.
    assert post_form(pupil, f"/news/{note.id.hex}/delete", page=f"/news/{note.id.hex}").status_code == 302
    assert News.get_or_none(News.id == note.id) is None


def test_a_graduate_of_the_media_team_writes_no_more(pages, settings):
    from appliance.services.errors import Forbidden

    pupil = _media_pupil()
    from appliance.models.people import Student

    profile = Student.get(Student.user == pupil)
    profile.status = "graduated"
    profile.save()
    with pytest.raises(Forbidden):
        news_service.create(settings, pupil, {"title": "После выпуска", "text": "Текст"})
    assert not news_service.may_write(pupil)
