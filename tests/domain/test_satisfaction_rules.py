"""The rating and reconsideration rules (pure): windows, revisions, who may handle a review."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from feedback.domain import satisfaction as s

ANSWERED = date(2026, 9, 7)


def facts(rated_on=None, revision=None, answered=True):
    return s.RatingFacts(
        answered=answered, answered_on=ANSWERED if answered else None, rated_on=rated_on, revision=revision
    )


@pytest.mark.parametrize(
    ("given", "level", "expected_revision", "today", "refusal"),
    [
        (facts(), "satisfied", None, ANSWERED, None),
        (facts(), "satisfied", None, ANSWERED + timedelta(days=60), None),  # last day of the window
        (facts(), "satisfied", None, ANSWERED + timedelta(days=61), s.RATING_CLOSED),
        (facts(), "excellent", None, ANSWERED, s.BAD_LEVEL),
        (facts(answered=False), "satisfied", None, ANSWERED, s.NOT_ANSWERED),
        (facts(), "satisfied", 1, ANSWERED, s.STALE),  # a change form for a rating that does not exist
        (facts(ANSWERED, 1), "acceptable", None, ANSWERED, s.ALREADY_RATED),  # the first form posted twice
        (facts(ANSWERED, 2), "acceptable", 1, ANSWERED, s.STALE),  # a replayed change
        (facts(ANSWERED, 2), "acceptable", 2, ANSWERED + timedelta(days=7), None),
        (facts(ANSWERED, 2), "acceptable", 2, ANSWERED + timedelta(days=8), s.CHANGE_CLOSED),
    ],
)
def test_rating_refusal(given, level, expected_revision, today, refusal):
    assert s.rating_refusal(given, level, expected_revision, today, open_days=60, change_days=7) == refusal


@pytest.mark.parametrize(
    ("answered", "level", "left", "today", "refusal"),
    [
        (True, "dissatisfied", 1, date(2026, 9, 22), None),
        (True, "dissatisfied", 1, date(2026, 9, 23), s.REVIEW_CLOSED),
        (True, "acceptable", 1, date(2026, 9, 10), s.NOT_DISSATISFIED),
        (True, None, 1, date(2026, 9, 10), s.NOT_DISSATISFIED),
        (True, "dissatisfied", 0, date(2026, 9, 10), s.NO_REVIEW_LEFT),
        (False, "dissatisfied", 1, date(2026, 9, 10), s.NOT_ANSWERED),
    ],
)
def test_review_refusal(answered, level, left, today, refusal):
    assert (
        s.review_refusal(
            answered=answered, level=level, request_until=date(2026, 9, 22), reviews_left=left, today=today
        )
        == refusal
    )


def test_reasons_are_codes_in_table_order():
    assert s.clean_reasons(["too_late", "did_not_address", "too_late", ""]) == (["did_not_address", "too_late"], None)
    assert s.clean_reasons(["did_not_address", "chưa rõ"]) == ([], s.BAD_REASON)


def test_review_handler_and_verdict():
    assert not s.may_handle_review(7, 7) and s.may_handle_review(8, 7) and s.may_handle_review(8, None)
    assert s.review_on_time(date(2026, 9, 21), date(2026, 9, 21)) and not s.review_on_time(
        date(2026, 9, 22), date(2026, 9, 21)
    )
    assert s.shares({"satisfied": 2, "acceptable": 1, "dissatisfied": 1}) == {
        "satisfied": 50.0,
        "acceptable": 25.0,
        "dissatisfied": 25.0,
    }
    assert s.shares({}) == {"satisfied": None, "acceptable": None, "dissatisfied": None}


def test_rating_reminder_rule():
    from feedback.domain.reminders import RATING_REQUEST, rating_reminder_due

    due = rating_reminder_due(
        answered_on=ANSWERED, rated=False, round_=1, today=ANSWERED + timedelta(days=5), delay_days=5, open_days=60
    )
    assert (due.kind, due.due_date, due.step) == (RATING_REQUEST, ANSWERED, 1)
    assert (
        rating_reminder_due(
            answered_on=ANSWERED, rated=False, round_=0, today=ANSWERED + timedelta(days=4), delay_days=5, open_days=60
        )
        is None
    )
    assert (
        rating_reminder_due(
            answered_on=ANSWERED, rated=True, round_=0, today=ANSWERED + timedelta(days=5), delay_days=5, open_days=60
        )
        is None
    )
    assert (
        rating_reminder_due(
            answered_on=ANSWERED, rated=False, round_=0, today=ANSWERED + timedelta(days=61), delay_days=5, open_days=60
        )
        is None
    )
