"""Closing the loop (issue 14): the submitter's rating of an answer and the request for reconsideration.

Pure: no Flask, no database, no clock. The service feeds the facts (dates are local dates, the
windows come from configuration and the deadline rules) and gets back either nothing (allowed) or
a refusal code that the service turns into a Vietnamese message.

Rules:
- an answer (round 0 = the first answer, round n = the answer of the n-th review) is rated once;
  the rating may be changed for `change_days` calendar days after it was first given;
- a first rating is accepted for `open_days` calendar days after the answer;
- a rating is taken only while the ticket is answered (not while a review or a returned answer is
  being reworked), and only of the answer in force;
- a review (phúc đáp / xem xét lại) may be requested after a "dissatisfied" rating of the answer in
  force, up to the last day of the request period (a deadline rule, seed 15 days after the answer),
  and only while reviews remain (one per ticket; staff may reopen one more);
- the review is handled and approved by someone other than the approver of the answer it reviews.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

SATISFIED = "satisfied"
ACCEPTABLE = "acceptable"
DISSATISFIED = "dissatisfied"
LEVELS = (SATISFIED, ACCEPTABLE, DISSATISFIED)

# The labels of levels and reasons: LEVEL_LABELS and RATING_REASON_LABELS in domain/states.py.

REASONS = ("did_not_address", "no_conclusion", "too_late", "hard_to_understand", "other")

# Fewer ratings than this in a group: public pages show "chưa đủ đánh giá" instead of shares.
MIN_PUBLIC_RATINGS = 5

# Refusal codes (the service words them).
NOT_ANSWERED = "not_answered"
BAD_LEVEL = "bad_level"
BAD_REASON = "bad_reason"
ALREADY_RATED = "already_rated"
STALE = "stale"
RATING_CLOSED = "rating_closed"
CHANGE_CLOSED = "change_closed"
NOT_DISSATISFIED = "not_dissatisfied"
REVIEW_CLOSED = "review_closed"
NO_REVIEW_LEFT = "no_review_left"
SAME_APPROVER = "same_approver"


@dataclass(frozen=True)
class RatingFacts:
    """What the rating rules need to know about a ticket and its current rating."""

    answered: bool  # state is answered (not reworked)
    answered_on: date | None  # local date of the answer in force
    rated_on: date | None = None  # local date the answer in force was first rated (None: not yet)
    revision: int | None = None  # revision of that rating (None: not yet)


def clean_reasons(reasons: Iterable[str | None]) -> tuple[list[str], str | None]:
    """The reason codes, deduplicated in table order, or a refusal for an unknown one."""
    given = [r.strip() for r in reasons if r and r.strip()]
    if any(r not in REASONS for r in given):
        return [], BAD_REASON
    return [r for r in REASONS if r in given], None


def rating_refusal(
    facts: RatingFacts, level: str, expected_revision: int | None, today: date, *, open_days: int, change_days: int
) -> str | None:
    """Why a rating (first or changed) is refused today, or None.

    `expected_revision` is the revision of the rating the form was shown with (None for a form
    offering a first rating): a form posted twice, or from a page that is out of date, is refused.
    """
    if not facts.answered or facts.answered_on is None:
        return NOT_ANSWERED
    if level not in LEVELS:
        return BAD_LEVEL
    if facts.revision is None:
        if expected_revision is not None:
            return STALE
        if today > facts.answered_on + timedelta(days=open_days):
            return RATING_CLOSED
        return None
    if expected_revision is None:
        return ALREADY_RATED
    if expected_revision != facts.revision:
        return STALE
    if facts.rated_on is not None and today > facts.rated_on + timedelta(days=change_days):
        return CHANGE_CLOSED
    return None


def rating_open_until(facts: RatingFacts, *, open_days: int, change_days: int) -> date | None:
    """The last day the answer in force can be rated (or its rating changed)."""
    if facts.answered_on is None:
        return None
    if facts.rated_on is None:
        return facts.answered_on + timedelta(days=open_days)
    return facts.rated_on + timedelta(days=change_days)


def review_refusal(
    *, answered: bool, level: str | None, request_until: date | None, reviews_left: int, today: date
) -> str | None:
    """Why a request for reconsideration is refused today, or None.

    `level` is the submitter's rating of the answer in force, `request_until` the last day of the
    request period counted from that answer, `reviews_left` how many reviews the ticket still allows.
    """
    if not answered:
        return NOT_ANSWERED
    if reviews_left <= 0:
        return NO_REVIEW_LEFT
    if level != DISSATISFIED:
        return NOT_DISSATISFIED
    if request_until is None or today > request_until:
        return REVIEW_CLOSED
    return None


def may_handle_review(actor_id: int, original_approver_id: int | None) -> bool:
    """Whether a staff member may draft or approve the answer of a review (not the original approver)."""
    return original_approver_id is None or actor_id != original_approver_id


def review_on_time(answered_on: date, review_due: date) -> bool:
    """A review is on time when its answer is approved on or before the review's own due date."""
    return answered_on <= review_due


def shares(counts: dict[str, int]) -> dict[str, float | None]:
    """Share (0-100, one decimal) of each level among the ratings counted; None when there are none."""
    total = sum(counts.get(level, 0) for level in LEVELS)
    return {level: (round(100 * counts.get(level, 0) / total, 1) if total else None) for level in LEVELS}
