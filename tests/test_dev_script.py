"""The README's first hour, for real: ``scripts/dev`` in a copy of the checkout, a request filed through the sandbox
portal in Chromium, its number mail on the sandbox's Mail page, an answer from the console, then a restart that
finds the same portal, contract and ticket (and tokens that still work)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _copy_checkout(target: Path) -> None:
    """The files git knows (tracked or new, not ignored), the vendored JS, and the worktree's .venv by symlink."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    shutil.copytree(ROOT / "static" / "vendor", target / "static" / "vendor")
    (target / ".venv").symlink_to(ROOT / ".venv")


class DevServer:
    """One run of scripts/dev on its own ports; its output is kept in a log file."""

    def __init__(self, checkout: Path):
        self.checkout = checkout
        self.port = _free_port()
        self.mail_port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.runs = 0
        self.process: subprocess.Popen | None = None

    def start(self) -> str:
        self.runs += 1
        self.log = self.checkout / f"dev-{self.runs}.log"
        env = {**os.environ, "PORT": str(self.port), "MAIL_PORT": str(self.mail_port), "SKIP_SETUP": "1"}
        for name in [n for n in env if n.startswith(("SMTP_", "B24DESK_")) or n in ("DATABASE_URL", "SANDBOX")]:
            env.pop(name)
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(["scripts/dev"], cwd=self.checkout, env=env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200 and "Console sign-in" in \
                        self.output():
                    return self.output()
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"scripts/dev did not come up:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM to the script alone: it must stop the app, the worker and the catcher itself."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        finally:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)

    def kill_all(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)


def _port_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _sign_in(output: str) -> tuple[str, str]:
    match = re.search(r"Console sign-in:\s+(\S+) / (\S+)", output)
    assert match, output
    return match.group(1), match.group(2)


def _install(page, dev: DevServer, slug: str) -> None:
    page.goto(f"{dev.url}/sandbox/p/{slug}/")
    page.click("#install")
    page.wait_for_url("**view=app", timeout=20_000)
    assert page.locator("#sandbox-flash").is_visible()


def _wait_for_mail(page, dev: DevServer, number: str, lang: str, count: int = 2) -> None:
    """Until the Mail page lists ``count`` messages of the ticket (first: the user's number and the vendor alert)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        page.goto(f"{dev.url}/sandbox/mail?lang={lang}")
        if page.locator(".mail-row", has_text=number).count() >= count:
            return
        page.wait_for_timeout(500)
    raise AssertionError(f"no mail for {number} on the Mail page:\n{dev.output()[-3000:]}")


def _console_answer(page, dev: DevServer, number: str, lang: str, credentials: tuple[str, str]) -> None:
    page.goto(f"{dev.url}/console/login")
    if page.locator("#password").count():
        page.fill("#email", credentials[0])
        page.fill("#password", credentials[1])
        page.click("button[type=submit]")
    page.goto(f"{dev.url}/console/lang/{lang}?next=/console/tickets/{number}")
    page.locator("#kind").select_option("fixed_in_version")
    page.fill("#version", "2.4.1")
    page.fill("#body", "Исправлено, обновите приложение." if lang == "ru" else "Fixed: please update the app.")
    page.click("#answer button[type=submit]")
    page.locator(".reply[data-kind=fixed_in_version]").wait_for()
    assert page.locator(".reply[data-kind=status_changed]").count() == 1  # new -> waiting for the user
    screenshot(page, f"firsthour-console-ticket-{lang}")


def _my_requests(page, dev: DevServer, slug: str, number: str, lang: str) -> None:
    page.goto(f"{dev.url}/sandbox/p/{slug}/?view=app")
    frame = page.frame_locator("#app-frame")
    frame.locator("#home-my-requests").click()
    row = frame.locator(f"tr[data-number='{number}']")
    row.wait_for()
    assert row.locator("[data-status]").get_attribute("data-status") == "waiting_for_user"
    page.wait_for_timeout(300)
    screenshot(page, f"firsthour-my-requests-{lang}")


def test_scripts_dev_shows_the_whole_loop_and_remembers_it_after_a_restart(tmp_path, browser):
    _copy_checkout(tmp_path)
    dev = DevServer(tmp_path)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        output = dev.start()
        credentials = _sign_in(output)
        assert f"{dev.url}/sandbox/" in output and f"{dev.url}/sandbox/mail" in output

        # Russian: the demo portal is a cloud portal with a demo contract, so an error report goes in at once.
        page.goto(f"{dev.url}/sandbox/")
        demo_member = page.locator("tr[data-domain='demo.bitrix24.test'] code").inner_text()
        _install(page, dev, "demo")
        frame = page.frame_locator("#app-frame")
        frame.locator("#home-new-request").click()
        frame.locator("#support-form").wait_for()
        assert "облачный портал" in frame.locator("body").inner_text()
        assert frame.locator("#contract_number").input_value() == "DEMO-001"
        assert frame.locator("#category").input_value() == "error"
        frame.locator("#operator").select_option("payme")
        frame.locator("#operator_connection").fill("merchant=1; key=demo-secret")
        frame.locator("#what_done").fill("Открыл форму оплаты в сделке")
        frame.locator("#what_expected").fill("QR-код для оплаты")
        frame.locator("#what_obtained").fill("Пустая страница")
        frame.locator("#video_url").fill("https://video.example/demo.mp4")
        page.wait_for_timeout(300)
        screenshot(page, "firsthour-form-ru")
        frame.locator("#submit-request").click()
        frame.locator("#ticket-number").wait_for(timeout=20_000)
        number = frame.locator("#ticket-number").inner_text().strip()
        assert "anna@demo.bitrix24.test" in frame.locator("#filed-mail").inner_text()  # and it will come
        screenshot(page, "firsthour-filed-ru")

        _wait_for_mail(page, dev, number, "ru")
        user_mail = page.locator(".mail-row", has_text="anna@demo.bitrix24.test").filter(has_text=number)
        assert user_mail.count() == 1 and user_mail.locator("td").nth(3).inner_text() == "ru"
        user_mail.locator("a").click()
        assert number in page.locator("#mail-text").inner_text()
        assert "demo-secret" not in page.locator("body").inner_text()
        assert number in page.frame_locator("#mail-html").locator("body").inner_text()  # the HTML part, framed
        screenshot(page, "firsthour-mail-message-ru")

        _console_answer(page, dev, number, "ru", credentials)
        _my_requests(page, dev, "demo", number, "ru")
        _wait_for_mail(page, dev, number, "ru", count=3)  # and the answer went out by mail too
        assert page.locator(".mail-row", has_text="Ответ по заявке").filter(has_text=number).count() == 1
        screenshot(page, "firsthour-mail-ru")

        # English: a new portal has no contract, so its form takes a contract question (one required field).
        page.goto(f"{dev.url}/sandbox/?lang=en")
        page.fill("input[name=name]", "acme")
        page.select_option("select[name=lang]", "en")
        page.click("text=Create")
        assert "Portal acme.bitrix24.test created." in page.locator("#sandbox-flash").inner_text()
        _install(page, dev, "acme")
        frame = page.frame_locator("#app-frame")
        frame.locator("#home-new-request").click()
        frame.locator("#support-form").wait_for()
        assert frame.locator("#category").input_value() == "contract"
        starred = frame.locator("label.required:visible").evaluate_all("els => els.map(e => e.htmlFor)")
        assert sorted(starred) == ["category", "contact_email", "what_done"]
        frame.locator("#category").select_option("contract")  # the only choice; the marks stay as they are
        frame.locator("#what_done").fill("How do we sign a support contract?")
        page.wait_for_timeout(300)
        screenshot(page, "firsthour-form-en")
        frame.locator("#submit-request").click()
        frame.locator("#ticket-number").wait_for(timeout=20_000)
        en_number = frame.locator("#ticket-number").inner_text().strip()
        screenshot(page, "firsthour-filed-en")
        _wait_for_mail(page, dev, en_number, "en")
        page.locator(".mail-row", has_text="anna@acme.bitrix24.test").filter(has_text=en_number).locator("a").click()
        text = page.locator("#mail-text").inner_text()
        assert en_number in text and "What was expected" not in text  # no empty sections
        _console_answer(page, dev, en_number, "en", credentials)
        _my_requests(page, dev, "acme", en_number, "en")
        _wait_for_mail(page, dev, en_number, "en", count=3)
        screenshot(page, "firsthour-mail-en")

        dev.stop()
        assert dev.process.returncode is not None
        assert _port_closed(dev.port) and _port_closed(dev.mail_port), "scripts/dev left a child running"

        # The restart: the same portal (member_id, installed), its contract, its ticket, and tokens that still work.
        output = dev.start()
        assert _sign_in(output) == credentials
        page.goto(f"{dev.url}/sandbox/")
        row = page.locator("tr[data-domain='demo.bitrix24.test']")
        assert row.locator("code").inner_text() == demo_member
        assert "v1" in row.inner_text()
        page.goto(f"{dev.url}/console/contracts")
        if page.locator("#password").count():
            page.fill("#email", credentials[0])
            page.fill("#password", credentials[1])
            page.click("button[type=submit]")
            page.goto(f"{dev.url}/console/contracts")
        assert "DEMO-001" in page.locator("body").inner_text()
        page.goto(f"{dev.url}/console/portals?q=demo.bitrix24.test")
        page.locator("a", has_text="demo.bitrix24.test").first.click()
        page.locator("form[action$='/check'] button").click()  # the app calls the portal with its stored tokens
        page.locator(".notice").first.wait_for()  # the answer page, not the one the click left (count() waits not)
        assert page.locator(".notice--success").count() == 1, page.locator("main").inner_text()
        _my_requests(page, dev, "demo", number, "ru")
    except BaseException:
        screenshot(page, "firsthour-failed")  # where it stopped, for whoever reads the failure
        raise
    finally:
        context.close()
        dev.stop()
        dev.kill_all()
