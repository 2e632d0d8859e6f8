"""Curation UI: live preview, rubric/options editor without JavaScript, publish/retire/duplicate, topics."""

from __future__ import annotations

import pytest

from tests.questions.conftest import CHOICE_DOC, counts, form_of, make_doc

pytestmark = pytest.mark.anyio
HX = {"HX-Request": "true"}


async def test_live_preview_renders_maths_or_names_the_bad_formula(as_role, db, topics) -> None:
    admin = await as_role("admin")
    before = await counts(db)
    r = await admin.post(
        "/admin/questions/preview",
        data={"prompt": r"Rule: $\theta - \eta \nabla L$", "reference_answer": "**Yes**"},
        headers=HX,
    )
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<section id="preview"')
    assert "<math" in r.text and "<strong>Yes</strong>" in r.text
    r = await admin.post(
        "/admin/questions/preview",
        data={"prompt": r"Bad: $\notamacro{x}$", "reference_answer": ""},
        headers=HX,
    )
    assert r.status_code == 422
    assert (
        r.text.lstrip().startswith('<section id="preview"')
        and r"\notamacro" in r.text
        and 'role="alert"' in r.text
    )
    assert await counts(db) == before  # a preview stores nothing
    page = await admin.get("/admin/questions/new")
    assert 'hx-post="/admin/questions/preview"' in page.text and "js/questions.js" in page.text
    assert "hx-on" not in page.text and "<script>" not in page.text


async def test_rubric_rows_are_added_moved_and_removed_without_javascript(as_role, db, topics) -> None:
    admin = await as_role("admin")
    doc = make_doc()
    doc["rubric"]["criteria"].append(
        {
            "name": "Second",
            "points": 1,
            "levels": [{"points": 0, "descriptor": "a"}, {"points": 1, "descriptor": "b"}],
        }
    )
    before = await counts(db)
    r = await admin.post("/admin/questions", data=form_of(doc, "add:rubric-criteria"))
    assert r.status_code == 200 and 'name="rubric-criteria-2-name"' in r.text
    r = await admin.post("/admin/questions", data=form_of(doc, "up:rubric-criteria:1"))
    assert r.text.index('value="Second"') < r.text.index('value="Update rule"')
    r = await admin.post("/admin/questions", data=form_of(doc, "remove:rubric-criteria:0"))
    assert 'value="Update rule"' not in r.text and 'value="Second"' in r.text
    r = await admin.post("/admin/questions", data=form_of(doc, "add:rubric-criteria-0-levels"))
    assert 'name="rubric-criteria-0-levels-2-descriptor"' in r.text
    r = await admin.post("/admin/questions", data=form_of(doc, "add:rubric-misconceptions"), headers=HX)
    assert (
        r.text.lstrip().startswith('<form id="question-form"')
        and 'name="rubric-misconceptions-1-code"' in r.text
    )
    r = await admin.post("/admin/questions", data=form_of(doc, "add:options"))
    assert 'name="options-2-text"' in r.text
    r = await admin.post("/admin/questions", data=form_of(doc, "preview"))
    assert r.status_code == 200 and "<math" in r.text
    r = await admin.post("/admin/questions", data=form_of(doc, "drop:everything"))
    assert r.status_code == 422
    assert await counts(db) == before  # none of these buttons saves
    # the reordered rubric is what gets saved
    moved = make_doc(rubric={**doc["rubric"], "criteria": doc["rubric"]["criteria"][::-1]})
    r = await admin.post("/admin/questions", data=form_of(moved))
    assert r.status_code == 303
    body = (await admin.get("/api/v1/questions/" + r.headers["location"].rsplit("/", 1)[1])).json()
    assert [c["name"] for c in body["rubric"]["criteria"]] == ["Second", "Update rule"]
    assert body["rubric"]["misconceptions"][0]["code"] == "wrong-sign"


async def test_choice_and_numeric_editors_round_trip(as_role, topics) -> None:
    admin = await as_role("admin")
    choice = make_doc(
        CHOICE_DOC,
        kind="multiple_choice",
        negative_marks=True,
        options=[
            {"text": "A $\\hat{y}$", "correct": True, "weight": 50, "feedback": "yes"},
            {"text": "B", "correct": True, "weight": 50},
            {"text": "C"},
        ],
    )
    numeric = make_doc(
        kind="numeric",
        prompt="$2^{10}$?",
        numeric={"value": 1024, "tolerance": 1, "tolerance_mode": "relative", "unit": "bytes"},
    )
    for doc in (choice, numeric):
        r = await admin.post("/admin/questions", data=form_of(doc))
        assert r.status_code == 303, r.text
        qid = r.headers["location"].rsplit("/", 1)[1]
        stored = (await admin.get(f"/api/v1/questions/{qid}")).json()["document"]
        for key in ("kind", "options", "numeric", "negative_marks"):
            expected = {"options": [], "numeric": None, "negative_marks": False} | {
                k: v for k, v in doc.items() if k in ("kind", "options", "numeric", "negative_marks")
            }
            if key == "options":
                assert [(o["text"], o["correct"], o["weight"]) for o in stored["options"]] == [
                    (o["text"], o.get("correct", False), o.get("weight")) for o in expected["options"]
                ]
            elif key == "numeric" and expected["numeric"]:
                assert stored["numeric"] == {
                    "unit": None,
                    "tolerance_mode": "absolute",
                    **expected["numeric"],
                } | {"value": 1024.0, "tolerance": float(expected["numeric"]["tolerance"])}
            else:
                assert stored[key] == expected[key]
        edit = await admin.get(f"/admin/questions/{qid}/edit")
        assert edit.status_code == 200
        # saving the untouched edit form changes nothing: the form round-trips the document
        fields = {**form_of(doc), "base_version": "1"}
        assert (await admin.post(f"/admin/questions/{qid}", data=fields)).status_code == 303
        assert (await admin.get(f"/api/v1/questions/{qid}")).json()["version"] == 1


async def test_publish_retire_duplicate(as_role, topics) -> None:
    admin = await as_role("admin")
    qid = (await admin.post("/api/v1/questions", json=make_doc(external_id="gd-1"))).json()["id"]
    for action, status in (
        ("publish", "published"),
        ("publish", "published"),
        ("retire", "retired"),
        ("publish", "published"),
    ):
        r = await admin.post(f"/admin/questions/{qid}/{action}")
        assert r.status_code == 303
        assert (await admin.get(f"/api/v1/questions/{qid}")).json()["status"] == status
    r = await admin.post(f"/api/v1/questions/{qid}/retire")
    assert r.json() == {"id": qid, "status": "retired", "version": 1}
    r = await admin.post(f"/admin/questions/{qid}/duplicate", headers=HX)
    assert r.status_code == 200 and r.headers["HX-Redirect"].endswith("/edit")
    copy_id = r.headers["HX-Redirect"].split("/")[3]
    copy = (await admin.get(f"/api/v1/questions/{copy_id}")).json()
    assert copy["status"] == "draft" and copy["title"] == "Copy of One step of gradient descent"
    assert copy["external_id"] is None and copy["rubric"]["criteria"][0]["name"] == "Update rule"


async def test_topic_management(as_role, db, topics) -> None:
    admin = await as_role("admin")
    r = await admin.post("/admin/topics", data={"name": "Deep learning"})
    assert r.status_code == 303
    tree = (await admin.get("/api/v1/topics")).json()
    area = next(t for t in tree if t["path"] == "deep-learning")
    r = await admin.post("/admin/topics", data={"name": "Back-propagation", "parent_id": str(area["id"])})
    assert r.status_code == 303
    topic = next(
        t for t in (await admin.get("/api/v1/topics")).json() if t["path"] == "deep-learning/back-propagation"
    )
    # a duplicate slug in the same area, an empty name: 422 with a message
    r = await admin.post("/admin/topics", data={"name": "Back propagation", "parent_id": str(area["id"])})
    assert r.status_code == 422 and "already a topic" in r.text
    r = await admin.post("/admin/topics", data={"name": " "})
    assert r.status_code == 422 and "1–200 characters" in r.text
    r = await admin.post(f"/admin/topics/{topic['id']}/rename", data={"name": "Backprop"})
    assert r.status_code == 303
    # a question in it: the topic cannot be deleted, but can move (its questions go with it)
    qid = (
        await admin.post("/api/v1/questions", json=make_doc(topic="deep-learning/back-propagation"))
    ).json()["id"]
    r = await admin.post(f"/admin/topics/{topic['id']}/delete")
    assert r.status_code == 409 and "still holds 1 question" in r.text
    r = await admin.post(f"/admin/topics/{area['id']}/delete")
    assert r.status_code == 409 and "still holds 1 topic" in r.text
    optimisation = next(t for t in (await admin.get("/api/v1/topics")).json() if t["path"] == "optimisation")
    r = await admin.post(f"/admin/topics/{topic['id']}/move", data={"parent_id": str(optimisation["id"])})
    assert r.status_code == 303
    moved = (await admin.get(f"/api/v1/questions/{qid}")).json()
    assert moved["topic"] == "optimisation/back-propagation" and moved["topic_name"] == "Backprop"
    r = await admin.post(f"/admin/topics/{topic['id']}/move", data={"parent_id": str(topic["id"])})
    assert r.status_code == 422
    r = await admin.post(f"/admin/topics/{area['id']}/delete")
    assert r.status_code == 303
    assert all(t["path"] != "deep-learning" for t in (await admin.get("/api/v1/topics")).json())
    page = await admin.get("/admin/topics")
    assert page.status_code == 200 and "Backprop" in page.text
    assert (await admin.post("/admin/topics/999999/delete")).status_code == 404


async def test_unknown_ids_are_404(as_role, topics) -> None:
    admin = await as_role("admin")
    for url in (
        "/admin/questions/00000000-0000-0000-0000-000000000000",
        "/questions/00000000-0000-0000-0000-000000000000",
        "/api/v1/questions/00000000-0000-0000-0000-000000000000",
    ):
        assert (await admin.get(url)).status_code == 404
    qid = (await admin.post("/api/v1/questions", json=make_doc())).json()["id"]
    assert (await admin.get(f"/admin/questions/{qid}?v=7")).status_code == 404
    assert (await admin.get(f"/api/v1/questions/{qid}?version=7")).status_code == 404


async def test_openapi_shows_the_schemas(app) -> None:
    spec = app.openapi()
    schemas = spec["components"]["schemas"]
    for name in (
        "QuestionDoc",
        "QuestionAdminRead",
        "QuestionPublicRead",
        "QuestionPage",
        "TopicRead",
        "ErrorRead",
    ):
        assert name in schemas, name
    post = spec["paths"]["/api/v1/questions"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/QuestionDoc")
    get_one = spec["paths"]["/api/v1/questions/{question_id}"]["get"]["responses"]["200"]
    refs = str(get_one)
    assert "QuestionAdminRead" in refs and "QuestionPublicRead" in refs
