"""New passwords are checked against 30,000 breached passwords (zxcvbn's frequency list), case-insensitively."""

from __future__ import annotations

import pytest

from app.auth.passwords import common_passwords, password_problem

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("password", ["corvette", "1234qwer", "samantha", "SaMaNtHa", "CORVETTE"])
async def test_breached_passwords_are_refused_at_registration(client, password) -> None:
    await client.get("/register")
    r = await client.post(
        "/register", data={"email": "new@example.org", "display_name": "New", "password": password}
    )
    assert r.status_code == 422 and "too common" in r.text


async def test_breached_password_is_refused_on_password_change(as_role) -> None:
    c = await as_role("candidate")
    from tests.factories import PASSWORD

    r = await c.post("/account/password", data={"current_password": PASSWORD, "new_password": "Trustno1"})
    assert r.status_code == 422 and "too common" in r.text


def test_the_list_is_large_and_covers_the_ranks() -> None:
    listed = common_passwords()
    assert len(listed) >= 10_000
    # A sample across the ranking, in mixed case: the first, middle and last of the 8+ character ones.
    sample = ["password", "qwertyuiop", "iloveyou", "trustno1", "monkey123", "football1", "baseball"]
    for word in sample:
        assert password_problem(word.upper()) is not None, word
    long_ones = sorted(w for w in listed if len(w) >= 8)
    refused = [w for w in long_ones[:: max(1, len(long_ones) // 200)] if password_problem(w.title())]
    assert len(refused) == len(long_ones[:: max(1, len(long_ones) // 200)])


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "x7#kP9!mQ2zR", "Tr0ub4dor&3 is long enough", "mentor-rubric-42-lamp"],
)
def test_strong_passwords_pass(password) -> None:
    assert password_problem(password, email="someone@example.org") is None


def test_own_email_and_its_name_are_refused() -> None:
    assert password_problem("Someone@Example.org", email="someone@example.org")
    assert password_problem("someone.smith", email="someone.smith@example.org")
