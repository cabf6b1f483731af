"""Rules of the alumni club that need no web: contacts hidden in free text, and what the district
receives of the club (counts only; contacts never, in any scope)."""

from __future__ import annotations

import pytest

from appliance.services.alumni import MASK, contains_contact, mask_contacts
from sync.policy import STAYS_IN_SCHOOL, specs


@pytest.mark.parametrize("text", [
    "+7 921 555-01-02", "8 (921) 5550102", "звоните 89215550102", "пишите: anna@example.org",
    "anna (at) mail.ru", "https://vk.com/anna", "www.anna.ru", "мой канал t.me/anna_bio", "vk.com/anna",
    "инста @anna_smirnova", "сайт anna-bio.ru",
])
def test_contacts_in_free_text_are_found_and_masked(text):
    assert contains_contact(text)
    masked = mask_contacts(f"Привет! {text} — жду")
    assert MASK in masked and not contains_contact(masked.replace(MASK, ""))


@pytest.mark.parametrize("text", [
    "СПбГУ, биологический факультет, 1 курс", "Инженер-технолог на заводе «Электросила»",
    "Санкт-Петербург", "Выпуск 2019 года, 11А", "Работаю 5 лет, веду кружок 2 раза в неделю",
    "Школа № 619", "Расскажу про ЕГЭ и олимпиады",
])
def test_ordinary_text_is_left_alone(text):
    assert not contains_contact(text) and mask_contacts(text) == text


def test_the_district_receives_counts_of_the_club_never_its_words_or_contacts():
    found = specs()
    profile, meeting, signup = found["alumni_profile"], found["alumni_meeting"], found["alumni_signup"]
    words = {"occupation", "city", "about", "class_name", "text_note", "phone", "email", "other_contact"}
    assert not {profile.column(name).name for name in words} & profile.allowed("analytics")
    assert {"graduation_year", "help_mentoring", "help_talk"} <= profile.allowed("analytics")
    # Contacts never leave, not even in the full scope.
    assert not {"phone", "email", "other_contact"} & profile.allowed("full")
    assert not {"message", "note", "class_name"} & meeting.allowed("analytics")
    assert not {"message", "note"} & meeting.allowed("full")
    assert {"purpose", "status", "school_year"} <= meeting.allowed("analytics")
    assert signup.in_scope("analytics")
    for table in ("alumni_profile", "alumni_meeting", "alumni_signup"):
        assert table not in STAYS_IN_SCHOOL
