"""Calibration tests reuse the review fixtures: a bank with a rubric, formats, finalised attempts."""

from tests.reviews.conftest import bank, make_format  # noqa: F401
