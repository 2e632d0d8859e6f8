"""Validate seed files without a database: `python -m app.questions.seedcheck [FILES]`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from app.questions.native import AreaDoc, QuestionDoc
from app.questions.rendering import RenderError, render_markdown
from app.resources import data_path

SEED_DIR = data_path("seed")
# libyaml's safe loader where PyYAML's wheel has it (it does on every platform we ship): the same
# documents as yaml.safe_load, read about ten times faster (the seed bank is read at every seeding
# and by the tests' fixtures)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506 - a safe loader


def load_areas() -> list[AreaDoc]:
    raw = load_yaml(SEED_DIR / "topics.yaml")
    return [AreaDoc.model_validate(a) for a in raw]


def load_question_file(path: Path) -> list[QuestionDoc]:
    raw = load_yaml(path)
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a list of questions")
    return [QuestionDoc.model_validate(q) for q in raw]


def load_all_questions() -> list[QuestionDoc]:
    docs: list[QuestionDoc] = []
    for path in sorted((SEED_DIR / "questions").glob("*.yaml")):
        docs.extend(load_question_file(path))
    return docs


def check(paths: list[Path]) -> list[str]:
    problems: list[str] = []
    topics = {f"{a.slug}/{t.slug}" for a in load_areas() for t in a.topics}
    for path in paths:
        try:
            docs = load_question_file(path)
        except Exception as exc:  # report and go on to the next file
            problems.append(f"{path}: {exc}")
            continue
        for doc in docs:
            where = f"{path.name}:{doc.external_id}"
            if doc.external_id is None:
                problems.append(f"{where}: external_id missing")
            if doc.topic not in topics:
                problems.append(f"{where}: unknown topic {doc.topic}")
            texts = [doc.prompt, doc.reference_answer, doc.rubric.notes]
            texts += [o.text for o in doc.options] + [o.feedback for o in doc.options]
            texts += [c.name for c in doc.rubric.criteria] + [
                lv.descriptor for c in doc.rubric.criteria for lv in c.levels
            ]
            texts += doc.rubric.key_points + doc.hints
            texts += [m.description for m in doc.rubric.misconceptions]
            texts += [f.question for f in doc.follow_ups] + [f.expected_answer for f in doc.follow_ups]
            for text in texts:
                try:
                    render_markdown(text)
                except RenderError as err:
                    problems.append(f"{where}: {err.message}")
    return problems


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]] or sorted((SEED_DIR / "questions").glob("*.yaml"))
    problems = check(paths)
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s) in {len(paths)} file(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
