"""Acceptance 3 (search): words in the prompt and the answer are found with stemming, ranked
(title above prompt above answer), combined with filters, sorted and paged."""

from __future__ import annotations

import pytest

from tests.questions.conftest import CHOICE_DOC, make_doc

pytestmark = pytest.mark.anyio

DOCS = {
    "schedules": make_doc(
        title="Tuning the step size",
        prompt="Compare learning-rate schedules for SGD on a convex problem.",
        reference_answer="Cosine decay and step decay both work.",
        tags=["learning-rate"],
        difficulty=2,
    ),
    "penalties": make_doc(
        title="Ridge and lasso",
        prompt="What do $L_1$ and $L_2$ penalties do to the weights?",
        reference_answer="Lasso zeroes coefficients; ridge shrinks them.",
        topic="supervised/regularisation",
        difficulty=1,
        tags=["regularisation"],
    ),
    "bootstrap": make_doc(
        title="Estimating uncertainty",
        prompt="How would you put an error bar on a test accuracy?",
        reference_answer="Resample the test set: bootstrapped estimates of the accuracy give an interval.",
        topic="evaluation/metrics",
        difficulty=3,
    ),
    "momentum-title": make_doc(title="Momentum explained", prompt="Describe the update.", difficulty=2),
    "momentum-prompt": make_doc(
        title="Heavy ball", prompt="Why does momentum speed up descent?", difficulty=2
    ),
    "choice": make_doc(CHOICE_DOC, title="Descent direction", tags=["gradient-descent", "quiz"]),
}


@pytest.fixture
async def bank(as_role, topics):  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    ids = {}
    for key, doc in DOCS.items():
        r = await admin.post("/api/v1/questions", json=doc)
        assert r.status_code == 201, r.text
        ids[key] = r.json()["id"]
    for key in ("schedules", "penalties", "bootstrap", "momentum-title"):
        await admin.post(f"/api/v1/questions/{ids[key]}/publish")
    return admin, ids


async def _found(admin, **params) -> list[str]:  # type: ignore[no-untyped-def]
    r = await admin.get("/api/v1/questions", params=params)
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


async def test_stemmed_words_in_prompt_and_answer(bank) -> None:
    admin, ids = bank
    assert await _found(admin, q="schedule") == [ids["schedules"]]  # schedules → schedul
    assert await _found(admin, q="penalty") == [ids["penalties"]]  # penalties → penalti
    assert await _found(admin, q="bootstrapping") == [ids["bootstrap"]]  # in the reference answer only
    assert await _found(admin, q="shrinking coefficient") == [ids["penalties"]]
    assert await _found(admin, q="nothing-like-this-anywhere") == []


async def test_ranked_title_above_prompt(bank) -> None:
    admin, ids = bank
    assert await _found(admin, q="momentum") == [ids["momentum-title"], ids["momentum-prompt"]]


async def test_websearch_syntax(bank) -> None:
    admin, ids = bank
    assert await _found(admin, q="momentum -ball") == [ids["momentum-title"]]
    assert await _found(admin, q='"error bar"') == [ids["bootstrap"]]
    assert set(await _found(admin, q="lasso or bootstrap")) == {ids["penalties"], ids["bootstrap"]}


async def test_filters_combine_with_search(bank, db) -> None:
    admin, ids = bank
    assert await _found(admin, tag="quiz") == [ids["choice"]]
    assert await _found(admin, kind="single_choice") == [ids["choice"]]
    assert set(await _found(admin, difficulty=2)) == {
        ids["schedules"],
        ids["momentum-title"],
        ids["momentum-prompt"],
    }
    assert set(await _found(admin, status="draft")) == {ids["momentum-prompt"], ids["choice"]}
    assert await _found(admin, q="momentum", status="published") == [ids["momentum-title"]]
    topics = (await admin.get("/api/v1/topics")).json()
    area = next(t for t in topics if t["path"] == "supervised")
    topic = next(t for t in topics if t["path"] == "supervised/regularisation")
    assert await _found(admin, topic=topic["id"]) == [ids["penalties"]]
    assert await _found(admin, topic=area["id"]) == [ids["penalties"]]  # an area includes its topics
    # the page's filter form sends empty values for "any"
    r = await admin.get(
        "/admin/questions",
        params={"q": "", "topic": "", "tag": "", "difficulty": "", "kind": "", "status": "", "sort": ""},
    )
    assert r.status_code == 200 and "6 questions" in r.text


async def test_sort_and_pagination(bank) -> None:
    admin, _ = bank
    titles = [
        i["title"] for i in (await admin.get("/api/v1/questions", params={"sort": "title"})).json()["items"]
    ]
    assert titles == sorted(titles, key=str.lower)
    diffs = [
        i["difficulty"]
        for i in (await admin.get("/api/v1/questions", params={"sort": "difficulty"})).json()["items"]
    ]
    assert diffs == sorted(diffs)
    pages = []
    for page in (1, 2, 3):
        body = (
            await admin.get("/api/v1/questions", params={"sort": "title", "per_page": 2, "page": page})
        ).json()
        assert body["total"] == 6 and body["pages"] == 3
        pages += [i["title"] for i in body["items"]]
    assert pages == titles
    past = (await admin.get("/api/v1/questions", params={"per_page": 2, "page": 9})).json()
    assert past["items"] == [] and past["total"] == 6
    html = await admin.get("/admin/questions", params={"sort": "title", "per_page": 2, "page": 2})
    assert "page 2 of 3" in html.text and 'rel="prev"' in html.text and 'rel="next"' in html.text


async def test_search_as_you_type_returns_the_results_fragment(bank) -> None:
    admin, _ = bank
    r = await admin.get("/admin/questions", params={"q": "penalties"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and r.text.lstrip().startswith('<div id="results"')
    assert "Ridge and lasso" in r.text and "Momentum explained" not in r.text
    assert "HX-Request" in r.headers["vary"]
    page = await admin.get("/admin/questions")
    assert 'hx-trigger="input changed delay:300ms, search"' in page.text


async def test_practice_list_groups_published_questions_by_topic(bank, as_role) -> None:
    c = await as_role("candidate")
    r = await c.get("/questions")
    assert r.status_code == 200
    assert "Momentum explained" in r.text and "Heavy ball" not in r.text  # drafts are not listed
    assert '<h2 id="topic-' in r.text and "Regularisation" in r.text
    r = await c.get("/questions", params={"q": "penalty"}, headers={"HX-Request": "true"})
    assert r.text.lstrip().startswith('<div id="results"') and "Ridge and lasso" in r.text


async def test_candidate_search_cannot_probe_reference_answers(bank, as_role) -> None:  # type: ignore[no-untyped-def]
    """Excluding (or including) a word that only the reference answer contains changes nothing
    for a candidate: otherwise they could learn what an answer says by searching."""
    _, ids = bank
    candidate = await as_role("candidate")
    # "decay" is only in the reference answer of "schedules"
    assert ids["schedules"] in await _found(candidate, q="schedules -decay")
    assert ids["schedules"] not in await _found(candidate, q="decay")
    page = await candidate.get("/questions", params={"q": "schedules -decay"})
    assert page.status_code == 200 and "Tuning the step size" in page.text


async def test_the_last_word_is_a_prefix_as_you_type(bank, as_role) -> None:
    """Search-as-you-type: the word being typed matches the words it begins ("penal" finds
    penalties); earlier words stay whole words, and the websearch syntax keeps working."""
    admin, ids = bank
    assert await _found(admin, q="penal") == [ids["penalties"]]
    assert await _found(admin, q="boots") == [ids["bootstrap"]]  # in the reference answer: admins only
    assert await _found(admin, q="Ridge lass") == [ids["penalties"]]
    assert set(await _found(admin, q="lasso or bootstr")) == {ids["penalties"], ids["bootstrap"]}
    assert await _found(admin, q="momentum -bal") == [ids["momentum-title"], ids["momentum-prompt"]]
    assert await _found(admin, q="lass:* | ' & !(") == []  # operators are text, never an error
    candidate = await as_role("candidate")
    assert await _found(candidate, q="schedul") == [ids["schedules"]]
    assert await _found(candidate, q="deca") == []  # a prefix never reaches the reference answer
    page = await candidate.get("/questions", params={"q": "step siz"})
    assert page.status_code == 200 and "Tuning the step size" in page.text
