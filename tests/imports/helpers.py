"""Shared bits for the import tests."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.questions.models import Question, QuestionVersion

FIXTURES = Path(__file__).parent / "fixtures"
GIFT = (FIXTURES / "every_construct.gift").read_bytes()
XML = (FIXTURES / "every_construct.xml").read_bytes()

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<quiz><question type="essay"><name><text>&lol9;</text></name></question></quiz>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<quiz><question type="essay"><name><text>&xxe;</text></name>
<questiontext format="html"><text>&xxe;</text></questiontext></question></quiz>
"""

# (name, file bytes, format or None, text the refusal must contain)
BAD_INPUTS: list[tuple[str, bytes, str | None, str]] = [
    ("empty", b"", None, "empty"),
    ("blank", b"  \n\n ", None, "empty"),
    ("invalid-utf8", b"::Caf\xe9::Is this UTF-8?{T}\n", "gift", "not valid UTF-8"),
    ("utf16", "::T::Q{T}".encode("utf-16"), None, "UTF-16"),
    ("billion-laughs", BILLION_LAUGHS, None, "refused"),
    ("external-entity", EXTERNAL_ENTITY, "moodle-xml", "refused"),
    ("malformed-braces", b"::Good::Fine{T}\n\n::Bad::Unclosed {=a ~b\n", "gift", "line 3: malformed braces"),
    ("stray-brace", b"::Bad::A } stray{T}\n", "gift", "malformed braces"),
    ("numeric-not-a-number", b"::N::How many?{#twelve}\n", "gift", "'twelve' is not a number"),
    ("numeric-range-not-a-number", b"::N::Range?{#1..two}\n", "gift", "is not a number"),
    (
        "category-too-long",
        f"$CATEGORY: $course$/top/Area/{'Very long topic name ' * 5}\n\n::Q::Q{{T}}\n".encode(),
        "gift",
        "category path too long",
    ),
    ("formula", b"::F::What is $\\notacommand\\{x\\}$?{T}\n", "gift", "cannot be rendered"),
    ("matching-one-pair", b"::M::Match {=a -> b}\n", "gift", "needs at least two pairs"),
    ("matching-no-arrow", b"::M::Match {=a -> b =c}\n", "gift", "each pair of a matching question"),
    ("bad-grade", b"::G::Pick.{~%47%a ~%53%b}\n", "gift", "line 1: the grade %47% is not one Moodle allows"),
    (
        "xml-not-a-number",
        b'<quiz><question type="numerical"><name><text>N</text></name><questiontext format="markdown">'
        b'<text>N?</text></questiontext><answer fraction="100"><text>abc</text></answer></question></quiz>',
        None,
        "/quiz/question[1]/answer[1]/text: numeric answer 'abc' is not a number",
    ),
    (
        "xml-unknown-type",
        b'<quiz><question type="cloze"><name><text>M</text></name></question></quiz>',
        None,
        "question type 'cloze' is not supported",
    ),
    ("xml-malformed", b"<quiz><question type='essay'>", None, "not well-formed"),
    ("json-malformed", b'{"format_version": 1, "questions": [}', "json", "not valid JSON"),
    ("json-version", b'{"format_version": 99, "questions": []}', "json", "unsupported format_version"),
    # JSON's true is not the number 1 (Python's True == 1 let it through as version 1)
    (
        "json-version-true",
        b'{"format_version": true, "questions": []}',
        "json",
        "unsupported format_version true",
    ),
    (
        "json-version-float",
        b'{"format_version": 1.0, "questions": []}',
        "json",
        "unsupported format_version 1.0",
    ),
]


async def question_count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(Question))).scalar_one())


async def version_count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(QuestionVersion))).scalar_one())


def generated_gift(n: int, *, broken: int | None = None) -> bytes:
    """n GIFT questions over a few categories; question number `broken` has malformed braces."""
    out = []
    for i in range(1, n + 1):
        if i % 250 == 1:
            out.append(f"$CATEGORY: $course$/top/Generated/Batch {i // 250}\n")
        x = f"$x_\\{{{i}\\}}$"  # GIFT escapes TeX braces
        if i == broken:
            answer = "{=right ~wrong"
        elif i % 3 == 0:
            answer = f"{{=yes {i} ~no {i} ~%50%maybe {i}}}"
        else:
            answer = f"{{#{i}:0.5####Because {x} is {i}.}}"
        out.append(f"// [tag:gen-{i % 7}]\n::Generated {i}::What is the value of {x}?{answer}\n")
    return "\n".join(out).encode()
