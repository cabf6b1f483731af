"""The `okey` command on fresh data directories, as an administrator uses it."""

import http.cookiejar
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.conftest import DEMO_PASSWORD, LiveServer, free_port, run_okey


def test_init_creates_a_private_data_dir_and_is_idempotent(tmp_path):
    data = tmp_path / "okey"
    first = run_okey("init", "--school-name", "Лицей № 7", "--school-code", "lyceum7", data_dir=data)
    assert "Создана школа «Лицей № 7»" in first.stdout
    assert (data / "okey.db").exists() and (data / "keys" / "secret_key").exists()
    assert (data / "keys").stat().st_mode & 0o077 == 0
    again = run_okey("init", data_dir=data)
    assert "Создана школа" not in again.stdout


def test_commands_explain_a_missing_database(tmp_path):
    result = run_okey("cards", "--out", str(tmp_path / "c.pdf"), data_dir=tmp_path / "empty", check=False)
    assert result.returncode != 0 and "okey init" in result.stderr


def test_demo_without_password_prints_generated_ones(tmp_path):
    result = run_okey("init", "--demo", data_dir=tmp_path / "d")
    passwords = dict(re.findall(r"^\s+(admin|teacher1|student1|parent1): (\S+)$", result.stdout, re.M))
    assert set(passwords) == {"admin", "teacher1", "student1", "parent1"}
    assert len(set(passwords.values())) == 4


def test_users_import_and_cards(tmp_path):
    data = tmp_path / "school"
    run_okey("init", "--school-name", "Школа № 3", data_dir=data)
    csv = tmp_path / "7b.csv"
    csv.write_bytes("ФИО;Класс\nГусева Полина Игоревна;7Б\nЖуков Марк Олегович;7Б\n".encode("cp1251"))
    imported = run_okey("users", "import", str(csv), "--role", "student", data_dir=data)
    assert "Создано учётных записей: 2" in imported.stdout
    again = run_okey("users", "import", str(csv), "--role", "student", data_dir=data)
    assert "Создано учётных записей: 0; уже были: 2" in again.stdout

    bad = tmp_path / "bad.csv"
    bad.write_text("Роль;ФИО;Класс\nученик;;7Б\n", encoding="utf-8")
    refused = run_okey("users", "import", str(bad), data_dir=data, check=False)
    assert refused.returncode == 1 and "строка 2: не указаны фамилия и имя" in refused.stdout

    pdf = tmp_path / "cards.pdf"
    made = run_okey("cards", "--class", "7Б", "--out", str(pdf), data_dir=data)
    assert "Карточек: 2" in made.stdout
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for words in ("Гусева Полина", "Жуков Марк", "guseva.p", "Школьный Wi-Fi", "Код для первого входа"):
        assert words in text
    # QR codes are vector paths in the PDF: render the page and check it is not blank.
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 5000

    unknown = run_okey("cards", "--class", "9Я", "--out", str(pdf), data_dir=data, check=False)
    assert unknown.returncode != 0 and "Класс «9Я» не найден" in unknown.stderr

    reset = run_okey("users", "reset-password", "guseva.p", data_dir=data)
    assert re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", reset.stdout)


def _login(server_url: str, user: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    return _login_with(opener, server_url, user)


def _login_with(opener, server_url: str, user: str) -> str:
    form = opener.open(f"{server_url}/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    body = urllib.parse.urlencode({"login": user, "password": DEMO_PASSWORD, "csrf_token": token}).encode()
    return opener.open(f"{server_url}/login", data=body).read().decode()


@pytest.mark.parametrize("user, words", [
    ("admin", "Школа № 619"), ("teacher1", "Мои классы"), ("student1", "Привет,"), ("parent1", "Мои дети"),
])
def test_a_script_logs_in_to_the_real_server(live_server, user, words):
    home = _login(live_server.url, user)
    assert words in home and 'lang="ru"' in home


def test_serve_answers_healthz(demo_data_dir):
    server = LiveServer(demo_data_dir, free_port())
    server.start()
    try:
        with urllib.request.urlopen(server.url + "/healthz") as response:
            assert b'"status":"ok"' in response.read().replace(b" ", b"")
    finally:
        server.stop()
    assert server.process.returncode == 0


def test_real_server_refuses_a_50_mb_upload_in_russian(live_server):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _login_with(opener, live_server.url, "admin")
    form = opener.open(f"{live_server.url}/admin/import").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    boundary = "okeyboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode() + b"x" * (50 * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{live_server.url}/admin/import", data=body,
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        opener.open(request)
        raise AssertionError("a 50-MB upload was accepted")
    except urllib.error.HTTPError as exc:
        assert exc.code == 413
        assert "Файл слишком большой" in exc.read().decode()
