"""Known issues: suggested while typing only on the releases they affect, deflections counted, drafts never public."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote, urljoin

import requests

from database import db
from releases import known_issues
from releases.models import KnownIssue
from tests.placements.support_pages import installed_portal, open_support
from tests.releases.conftest import add_releases


def view_token_urls(page: requests.Response) -> dict[str, str]:
    aside = re.search(r'<aside class="card known-issues"(.*?)>', page.text, re.S).group(1)
    return {name: urljoin(page.url, html.unescape(url))
            for name, url in re.findall(r'data-(suggest|viewed|solved)="([^"]+)"', aside)}


def make_issue(app, **fields) -> int:
    with app.app_context():
        issue = known_issues.save_issue(None, {"language": "ru", "published": "1", **fields})
        db.session.commit()
        return issue.id


def test_an_issue_of_releases_1_to_3_is_suggested_on_3_and_not_on_4(app, sandbox):
    add_releases(app, (3, "2.4.0"), (4, "2.5.0"))
    on3 = installed_portal(sandbox, "acme", lang="ru")
    on4 = installed_portal(sandbox, "beta", lang="en")
    sandbox.update(on3, 3)
    sandbox.update(on4, 4)
    issue = make_issue(app, title="Счёт не уходит в Didox", symptoms="При отправке счетов появляется ошибка 500",
                       workaround="Отправьте счёт повторно через минуту", affected_from="1", affected_to="3")
    make_issue(app, title="Черновик про счета", symptoms="Ошибка при отправке счетов", published="")

    urls3 = view_token_urls(open_support(sandbox, on3))
    found = requests.get(urls3["suggest"], params={"q": "отправил счёт, получил ошибку"}, timeout=30).json()
    assert [i["id"] for i in found["issues"]] == [issue]  # stems: отправил/отправке, счёт/счетов; no draft
    assert found["issues"][0]["url"].startswith(f"/known-issues/{issue}-")
    english = requests.get(urls3["suggest"], params={"q": "invoices"}, timeout=30).json()
    assert english["issues"] == []
    urls4 = view_token_urls(open_support(sandbox, on4))
    assert requests.get(urls4["suggest"], params={"q": "ошибка при отправке счетов"}, timeout=30).json() == {
        "issues": []}
    # The token is the only authorisation: without it, or forged, nothing is answered.
    assert requests.get(urls3["suggest"].split("?")[0], params={"q": "счёт"}, timeout=30).status_code == 403
    assert requests.get(urls3["suggest"] + "x", params={"q": "счёт"}, timeout=30).status_code == 403
    assert requests.get(urls3["suggest"], params={"q": "x" * 3000}, timeout=30).status_code == 400


def test_deflections_are_counted_once_per_user_and_views_with_them(app, sandbox, client):
    acme = installed_portal(sandbox, "acme", lang="en")
    issue = make_issue(app, title="QR code never appears", symptoms="The payment QR code is blank", language="en")
    urls = view_token_urls(open_support(sandbox, acme))
    solved = urls["solved"].replace("/0/", f"/{issue}/")
    viewed = urls["viewed"].replace("/0/", f"/{issue}/")

    assert requests.post(viewed, timeout=30).json() == {"ok": True}
    first = requests.post(solved, timeout=30).json()
    second = requests.post(solved, timeout=30).json()

    assert first["counted"] is True and second["counted"] is False
    with app.app_context():
        row = next(r for r in known_issues.issue_rows() if r.issue.id == issue)
        assert (row.issue.views, row.deflections, row.linked_tickets) == (1, 1, 0)
    assert requests.post(solved.replace(f"/{issue}/", "/99999/"), timeout=30).status_code == 404


def test_drafts_are_never_public_and_published_pages_speak_both_languages(app, client):
    draft = make_issue(app, title="Secret draft", symptoms="Not yet", published="")
    public = make_issue(app, title="Оплата Payme не проходит", symptoms="Статус «ожидает» не меняется",
                        workaround="Обновите страницу")
    assert client.get(f"/known-issues/{draft}").status_code == 404
    assert client.get(f"/known-issues/{draft}-secret-draft").status_code == 404

    with app.app_context():
        slug = known_issues.slug(db.session.get(KnownIssue, public))
    moved = client.get(f"/known-issues/{public}")
    assert moved.status_code == 301 and unquote(moved.headers["Location"]).endswith(f"/known-issues/{public}-{slug}")
    ru = client.get(f"/known-issues/{public}-{slug}?lang=ru").get_data(as_text=True)
    en = client.get(f"/known-issues/{public}-{slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Оплата Payme не проходит" in ru and "Как обойти" in ru and "Обновите страницу" in ru
    assert "Workaround" in en and "Symptoms" in en
    assert client.get("/known-issues/nope").status_code == 404


def test_a_suggested_fixs_planned_date_is_iso_for_the_script_and_words_for_the_reader(app, sandbox):
    add_releases(app, (3, "2.4.0"))
    portals = {lang: installed_portal(sandbox, f"plan-{lang}", lang=lang) for lang in ("ru", "en")}
    for portal in portals.values():
        sandbox.update(portal, 3)
    make_issue(app, title="Счёт не уходит в Didox", symptoms="При отправке счетов появляется ошибка 500",
               affected_from="1", affected_to="3", planned_on="2027-01-15")
    words = {"ru": "15 янв. 2027\u202fг.", "en": "Jan 15, 2027"}  # what known-issues.js puts in "planned for"
    for lang, portal in portals.items():
        urls = view_token_urls(open_support(sandbox, portal))
        issue, = requests.get(urls["suggest"], params={"q": "ошибка при отправке счетов"}, timeout=30).json()["issues"]
        assert (issue["planned_on"], issue["planned_on_text"]) == ("2027-01-15", words[lang])
