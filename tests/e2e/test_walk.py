"""Browser walk (issue 16 acceptance): every page as an admin, a mentor and a candidate at
1280×800 and 390×844 — axe reports no serious or critical violation, the page does not scroll
sideways, and the console stays free of errors (CSP included).

One server over its own database with the seed bank and formats, and one set of journeys made
through HTTP as users would (attempts submitted, reviewed, one released, one flagged), shared by
every walk; each walk is one browser context that signs in once and visits its pages in turn.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import axe_violations, in_thread, screenshot, uvicorn_server
from tests.factories import PASSWORD
from tests.fixtures import Client

pytestmark = pytest.mark.e2e

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# the dark scheme (the system setting) walked once per role at the phone size
SCHEMES = {"desktop": "light", "phone": "light", "phone-dark": "dark"}

# what a page overflowing sideways reports: the widest elements past the viewport's right edge
OVERFLOW = """() => {
  const doc = document.documentElement, width = doc.clientWidth;
  if (doc.scrollWidth <= width) return null;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && r.width > 0) {
      let inScroller = false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        const ox = getComputedStyle(p).overflowX;
        if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') { inScroller = true; break; }
      }
      if (!inScroller) wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') +
        ' ' + Math.round(r.right));
    }
  }
  return {scrollWidth: doc.scrollWidth, width, wide: wide.slice(0, 8)};
}"""


@dataclass
class Site:
    base: str
    url: str
    emails: dict[str, str]
    pages: dict[str, list[str]] = field(default_factory=dict)


ANSWERS: dict[str, dict[str, Any]] = {
    "free_text": {
        "text": "The bias is **high** when $k$ is large:\n\n$$\\hat{f}(x) = \\frac{1}{k}\\sum_i y_i$$"
    },
    "single_choice": {"choice": 0},
    "multiple_choice": {"choices": [0]},
    "numeric": {"number": "0.5"},
}


async def _client(base: str, email: str) -> Client:
    c = Client(base_url=base, follow_redirects=False, timeout=30)
    await c.login(email, PASSWORD)
    return c


async def _take(c: Client, format_id: str, *, submit: bool = True) -> dict[str, Any]:
    r = await c.post(f"/api/v1/formats/{format_id}/attempts")
    assert r.status_code == 201, r.text
    attempt = r.json()
    # the candidate's own marks (issue 16): a flagged first question and scratchpad notes
    notes = {"base_revision": 0, "save_id": "walk-notes", "text": "Check $\\nabla f$ first; **units**."}
    assert (await c.post(f"/attempts/{attempt['id']}/notes", json=notes)).status_code == 200
    first = attempt["items"][0]["id"]
    assert (
        await c.post(f"/attempts/{attempt['id']}/items/{first}/flag", data={"flagged": "true"})
    ).status_code == 303
    for item in attempt["items"]:
        body = {"base_revision": 0, "save_id": f"walk-{item['id']}", **ANSWERS[item["kind"]]}
        r = await c.post(f"/attempts/{attempt['id']}/items/{item['id']}/answer", json=body)
        assert r.status_code == 200, r.text
        if attempt["navigation"] == "linear" and item is not attempt["items"][-1]:
            await c.post(f"/attempts/{attempt['id']}/next", data={"position": str(item["position"])})
    if submit:
        r = await c.post(f"/api/v1/attempts/{attempt['id']}/submit")
        assert r.status_code == 200, r.text
    return attempt  # type: ignore[no-any-return]


async def _review(c: Client, format_id: str, *, recommendation: str, submit: bool = True) -> dict[str, Any]:
    r = await c.post("/api/v1/reviews/claims", json={"format_id": format_id})
    assert r.status_code == 201, r.text
    review = (await c.get(f"/api/v1/reviews/{r.json()['id']}")).json()
    items = {
        item["id"]: {
            "levels": [len(cr["levels"]) - 1 for cr in item["rubric"]["criteria"]],
            "comment": "Clear. Mind the $\\hat{\\beta}$ notation.",
        }
        for item in review["items"]
        if item["kind"] == "free_text"
    }
    draft = {
        "items": items,
        "signals": {"fundamentals": 3, "mathematical_rigour": 2, "communication": 4, "depth": 3},
        "recommendation": recommendation,
        "summary": "Good grasp of **bias and variance**; derive $\\mathbb{E}[\\hat{y}]$ next time.",
        "private_note": "Borderline on rigour.",
    }
    if submit:
        r = await c.post(f"/api/v1/reviews/{review['id']}/submit", json=draft)
        assert r.status_code == 200, r.text
    else:
        r = await c.put(f"/api/v1/reviews/{review['id']}/draft", json={"revision": 1, "draft": draft})
        assert r.status_code == 200, r.text
    return review  # type: ignore[no-any-return]


async def _journeys(base: str, emails: dict[str, str]) -> dict[str, list[str]]:
    cand, mentor, admin = [await _client(base, emails[r]) for r in ("candidate", "mentor", "admin")]
    try:
        formats = {f["title"].split(" (")[0]: f["id"] for f in (await cand.get("/api/v1/formats")).json()}
        # written answers only, so every attempt needs a review whatever the draw
        screen = deep = formats["Written explanations"]
        theory, rapid = formats["Walk: two blind reviewers"], formats["Rapid-fire objective round"]
        released = await _take(cand, screen)
        claimed = await _take(cand, deep)
        flagged = await _take(cand, theory)
        done = await _review(mentor, screen, recommendation="lean_yes")
        assert (await mentor.post(f"/api/v1/reviews/attempts/{released['id']}/release")).status_code == 200
        draft = await _review(mentor, deep, recommendation="yes", submit=False)
        # shared notes: the mentor's review page shows them
        assert (
            await cand.post(f"/attempts/{claimed['id']}/notes/share", data={"shared": "true"})
        ).status_code == 303
        await _review(mentor, theory, recommendation="strong_no")
        await _review(admin, theory, recommendation="strong_yes")  # two reviewers disagree: flagged
        open_attempt = await _take(cand, rapid, submit=False)
        # a live mock interview booked on a mentor's slot (issue 20)
        day = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
        slot_form = {"date": day, "time": "10:00", "minutes": "60", "tz": "UTC", "format_ids": [screen]}
        assert (await mentor.post("/availability", data=slot_form)).status_code == 303
        slot = (await mentor.get("/availability")).text.split('action="/availability/', 1)[1].split("/", 1)[0]
        booked = await cand.post(f"/book/{slot}", data={"format_id": screen})
        assert booked.status_code == 303, booked.text
        booking = booked.headers["location"]
        questions = (await admin.get("/api/v1/questions", params={"q": "bias"})).json()
        qid = (questions.get("items") or questions)[0]["id"]
        users = (await admin.get("/admin/users")).text
        user_id = users.split('href="/admin/users/', 2)[1].split('"', 1)[0]
    finally:
        for c in (cand, mentor, admin):
            await c.aclose()
    common = [
        "/",
        "/interviews",
        "/questions",
        f"/questions/{qid}",
        "/progress",
        "/notifications",
        "/account",
        "/feedback",
        "/feedback?q=bias",
    ]
    return {
        "anonymous": ["/", "/login", "/register"],
        "candidate": [
            *common,
            f"/interviews/{deep}/start",
            f"/attempts/{open_attempt['id']}",
            f"/attempts/{open_attempt['id']}/submit",
            f"/attempts/{claimed['id']}/results",
            f"/attempts/{released['id']}/results",
            f"/attempts/{released['id']}/feedback",
            "/book",
            booking,
        ],
        "mentor": [
            *common,
            "/reviews",
            f"/reviews/{draft['id']}",
            f"/reviews/{done['id']}",
            "/mentor/calibration",
            "/adjudication",
            "/availability",
            booking,
        ],
        "admin": [
            *common,
            "/admin/formats",
            "/admin/formats/new",
            f"/admin/formats/{screen}",
            "/admin/questions",
            "/admin/questions/new",
            f"/admin/questions/{qid}",
            f"/admin/questions/{qid}/edit",
            f"/admin/questions/{qid}/versions",
            "/admin/topics",
            "/admin/imports",
            "/admin/users",
            f"/admin/users/{user_id}",
            "/admin/audit",
            "/admin/reviews",
            f"/admin/reviews/attempts/{flagged['id']}",
            "/admin/analytics",
            f"/admin/analytics/questions/{qid}",
            "/admin/analytics/mentors",
            "/admin/analytics/formats",
            "/admin/analytics/topics",
            "/admin/analytics/calibration",
            "/admin/anchors",
            "/admin/anchors/new",  # without a question: back to the list
            f"/admin/anchors/new?item_id={done['items'][0]['id']}",
        ],
    }


@pytest.fixture(scope="module")
def site(make_database) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    from app.db import make_engine, make_sessionmaker
    from app.seeding import seed_database
    from tests.factories import UserFactory

    url = make_database("mlmock_walk")
    tag = uuid.uuid4().hex[:6]
    emails = {r: f"{r}-{tag}@example.org" for r in ("candidate", "mentor", "admin")}
    roles = {
        "candidate": ["candidate"],
        "mentor": ["candidate", "mentor"],
        "admin": ["candidate", "mentor", "admin"],
    }
    names = {"candidate": "Cleo Candidate", "mentor": "Milo Mentor", "admin": "Ada Admin"}

    async def setup() -> None:
        from app.interviews.formats import save_format
        from app.interviews.seeding import load_format_docs

        await seed_database(url)
        engine = make_engine(url, pool_size=1)
        written = next(d for d in load_format_docs() if d.slug == "written-explanations")
        two = written.model_copy(
            update={
                "slug": "walk-two-reviewers",
                "title": "Walk: two blind reviewers",
                "reviewers_required": 2,
                "blind_review": True,
                "navigation": "linear",
            }
        )
        async with make_sessionmaker(engine)() as s:
            await save_format(s, two, admin=None)
            await s.commit()
        users = UserFactory(make_sessionmaker(engine))
        for role, email in emails.items():
            await users.create(roles=roles[role], email=email, name=names[role])
        await engine.dispose()

    in_thread(setup)
    with uvicorn_server(url, "walk-server.log") as base:
        pages = in_thread(lambda: _journeys(base, emails))
        yield Site(base, url, emails, pages)


def _sign_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda u: "/login" not in u)


@pytest.mark.parametrize("size", list(SCHEMES))
@pytest.mark.parametrize("role", ["anonymous", "candidate", "mentor", "admin"])
def test_walk_every_page(browser, site: Site, role: str, size: str) -> None:  # type: ignore[no-untyped-def]
    viewport = SIZES[size.removesuffix("-dark")]
    context = browser.new_context(base_url=site.base, viewport=viewport, color_scheme=SCHEMES[size])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    problems: dict[str, Any] = {}
    try:
        if role != "anonymous":
            _sign_in(page, site.emails[role])
        for path in site.pages[role]:
            response = page.goto(path)
            assert response is not None and response.status == 200, (path, response and response.status)
            page.wait_for_load_state("networkidle")
            found: dict[str, Any] = {}
            if violations := axe_violations(page):
                found["axe"] = violations
            if overflow := page.evaluate(OVERFLOW):
                found["overflow"] = overflow
            if found:
                problems[path] = found
                screenshot(page, f"walk-{role}-{size}-{path.strip('/').replace('/', '_') or 'home'}")
    finally:
        context.close()
    if problems or errors:
        pytest.fail(json.dumps({"problems": problems, "console": errors}, indent=1), pytrace=False)


def test_walk_covers_every_page_route(site: Site) -> None:
    """Every GET page route of the app is in some walk (a new page must join the walk)."""
    from app.main import create_app

    visited = {p for pages in site.pages.values() for p in pages}
    shapes = set()
    for path in visited:
        parts = path.strip("/").split("/")
        shapes.add("/" + "/".join("{}" if _is_id(p) else p for p in parts) if path != "/" else "/")
    skip = {
        "/healthz",
        "/readyz",
        "/progress/chart.svg",
        "/notifications/count",
        "/admin/exports",
        "/docs",
        "/redoc",
        "/openapi.json",
        "/docs/oauth2-redirect",
        "/admin/analytics/questions/{question_id}/summary",  # a fragment the question page loads
        # fragments the live pages fetch when the stream announces a follow-up or hint
        "/attempts/{attempt_id}/prompts/{prompt_id}",
        "/live/{session_id}/prompts/{prompt_id}",
        "/attempts/{attempt_id}/feedback.md",  # downloads, not pages
        "/attempts/{attempt_id}/feedback.json",
    }
    from app.config import get_settings

    app = create_app(get_settings(), database_url=site.url, background=False)
    missing = []
    for route in app.routes:
        path = getattr(route, "path", "")
        if "GET" not in (getattr(route, "methods", None) or set()) or path.startswith(("/api", "/static")):
            continue
        if path in skip:
            continue
        shape = "/".join("{}" if seg.startswith("{") else seg for seg in path.split("/")) or "/"
        if shape not in shapes:
            missing.append(path)
    assert missing == [], missing


def _is_id(part: str) -> bool:
    try:
        uuid.UUID(part)
        return True
    except ValueError:
        return part.isdigit()


def test_walk_server_is_up(site: Site) -> None:
    assert httpx.get(site.base + "/readyz", timeout=5).status_code == 200


def test_htmx_swaps_raise_no_console_errors(browser, site: Site) -> None:  # type: ignore[no-untyped-def]
    """Partial updates (live preview, search, filters) leave the console clean: no CSP reports."""
    context = browser.new_context(base_url=site.base, viewport=SIZES["desktop"])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    try:
        _sign_in(page, site.emails["admin"])
        page.goto("/admin/questions/new")
        page.fill("#prompt", "Bias of $\\hat{\\beta}$:\n\n$$\\mathbb{E}[\\hat{\\beta}] - \\beta$$")
        page.wait_for_selector("#preview-prompt math")
        page.goto("/admin/questions")
        search = page.locator("input[type=search]").first
        search.fill("variance")
        page.wait_for_selector("#result-count:has-text('matching')")
        page.goto("/admin/users")
        page.fill("#user-search", "Cleo")
        page.wait_for_timeout(800)
        review = next(p for p in site.pages["admin"] if p.startswith("/admin/reviews/attempts/"))
        page.goto(review)
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    context = browser.new_context(base_url=site.base, viewport=SIZES["phone"])
    page = context.new_page()
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    try:
        _sign_in(page, site.emails["mentor"])
        draft = next(p for p in site.pages["mentor"] if p.startswith("/reviews/"))
        page.goto(draft)
        comment = page.locator("textarea[name$='comment']").first
        comment.fill("Consider $\\hat{y} = X\\hat{\\beta}$ and **why**.")
        page.locator("button:has-text('Preview comment')").first.click()
        page.wait_for_selector("[id$='preview'] math")
        page.goto("/reviews")
        page.click(".nav-toggle")
        assert page.is_visible("#nav-menu a[href='/reviews']")
        page.select_option("#f-topic", index=1)
        page.click("#queue-filter button")
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert errors == [], errors


def test_dark_mode_toggle_is_remembered(browser, site: Site) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=site.base, viewport=SIZES["desktop"], color_scheme="light")
    page = context.new_page()
    try:
        _sign_in(page, site.emails["candidate"])
        page.goto("/interviews")
        toggle = page.locator(".theme-toggle")
        assert toggle.get_attribute("aria-pressed") == "false"
        toggle.click()
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        assert toggle.get_attribute("aria-pressed") == "true"
        page.goto("/progress")  # another page: still dark, before any script but theme.js ran
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        assert axe_violations(page) == []
        page.locator(".theme-toggle").click()
        page.reload()
        assert page.evaluate("document.documentElement.dataset.theme") == "light"
    finally:
        context.close()
