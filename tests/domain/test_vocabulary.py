"""One vocabulary: every code the product shows has a Vietnamese and an English label in domain/states.py."""

from __future__ import annotations

import pytest

from feedback.domain import deadlines, outcomes, satisfaction, states


@pytest.mark.parametrize(
    ("table", "keys"),
    [
        (states.STATE_LABELS, list(states.State)),
        (states.ROLE_LABELS, list(states.Role)),
        (states.KIND_LABELS, list(states.Kind)),
        (states.CHANNEL_LABELS, list(states.Channel)),
        (states.SUBMITTER_TYPE_LABELS, list(states.SubmitterType)),
        (states.ACTION_LABELS, [*list(states.TRANSITIONS), "submit", "deadline_moved", "letter_signed", "anonymise"]),
        (
            states.STANDING_LABELS,
            [
                outcomes.IN_TIME,
                outcomes.DUE_TODAY,
                outcomes.OVERDUE,
                outcomes.PAUSED,
                outcomes.ANSWERED_ON_TIME,
                outcomes.ANSWERED_LATE,
                outcomes.CLOSED,
            ],
        ),
        (states.DAY_UNIT_LABELS, list(deadlines.DAY_UNITS)),
        (states.LEVEL_LABELS, list(satisfaction.LEVELS)),
        (states.RATING_REASON_LABELS, list(satisfaction.REASONS)),
    ],
)
def test_every_code_has_both_labels(table, keys):
    assert set(keys) <= set(table)
    for key in keys:
        vi, en = table[key]
        assert vi and en and vi != en, key


def test_label_picks_the_language_and_falls_back_to_the_code():
    assert states.label(states.STATE_LABELS, "refused", "vi") == "Không tiếp nhận"
    assert states.label(states.STATE_LABELS, "refused", "en") == "Not accepted"
    assert states.label(states.ACTION_LABELS, "refuse", "en") == "Refuse"
    assert states.label(states.DAY_UNIT_LABELS, "working_days", "en") == "working days"
    assert states.label(states.STATE_LABELS, "archived", "en") == "archived"
    assert states.label(states.STATE_LABELS, None) == ""


def test_a_transition_refusal_is_the_services_refusal():
    from feedback.services import ServiceError

    with pytest.raises(ServiceError) as exc:
        states.next_state(states.State.ANSWERED, "route", states.Role.COORDINATOR)
    assert exc.value.status == 409 and isinstance(exc.value, states.TransitionError)


def label_tables() -> dict[str, dict[str, states.Label]]:
    return {
        name: table
        for name, table in vars(states).items()
        if name.endswith("_LABELS") and table and all(isinstance(v, states.Label) for v in table.values())
    }


def test_every_label_is_a_translated_catalogue_message():
    from babel.messages.pofile import read_po

    po = states.TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        english = {(m.context, m.id): m.string for m in read_po(handle) if m.id}
    tables = label_tables()
    assert {"STATE_LABELS", "OCCASION_LABELS", "PERSONAL_DATA_LABELS", "AUDIT_ACTION_LABELS"} <= set(tables)
    for name, table in tables.items():
        for key, entry in table.items():
            assert english.get((entry.context, entry.msgid)), (name, key)
            assert entry.en == english[(entry.context, entry.msgid)], (name, key)


def test_the_same_vietnamese_words_take_a_context_where_they_mean_something_else():
    assert states.STATE_LABELS["refused"] == states.Label("Không tiếp nhận")
    assert states.ACTION_LABELS["refuse"] == states.Label("Không tiếp nhận", "timeline")
    assert (states.STATE_LABELS["refused"].en, states.ACTION_LABELS["refuse"].en) == ("Not accepted", "Refuse")
    assert states.label(states.AUDIT_ACTION_LABELS, "anonymise", "en") == "Anonymised"
    assert states.label(states.ACTION_LABELS, "anonymise", "en") == "Personal data anonymised"
    assert states.label(states.RATING_REASON_LABELS, "other", "en") == "Other"
    assert states.label(states.REFUSE_REASON_LABELS, "other", "en") == "Other reason"


def test_a_third_language_is_a_catalogue_not_code(tmp_path, monkeypatch):
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    french = Catalog(locale="fr")
    french.add("Đã trả lời", "Répondu")
    french.add("Không tiếp nhận", "Refuser", context="timeline")
    french.add("Tết Nguyên đán", "Nouvel An lunaire")
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, french)
    monkeypatch.setattr(states, "TRANSLATIONS", tmp_path)
    states.catalogue.cache_clear()
    try:
        assert states.label(states.STATE_LABELS, "answered", "fr") == "Répondu"
        assert states.label(states.ACTION_LABELS, "refuse", "fr_FR") == "Refuser"
        assert states.label(states.STATE_LABELS, "refused", "fr") == "Không tiếp nhận"  # untranslated: Vietnamese
        assert deadlines.DayEntry(deadlines.date(2027, 2, 6), False, "tet").name("fr") == "Nouvel An lunaire"
    finally:
        states.catalogue.cache_clear()


def test_a_label_still_reads_as_its_two_languages():
    vi, en = states.DUE_DATE_LABELS["answer"]
    assert (vi, en) == ("Hạn giải quyết", "The resolution deadline")
    assert states.KIND_LABELS["proposal"][1] == "Proposal"
    assert states.label(states.OCCASION_LABELS, "national_day", "en") == "National Day"


def test_each_label_table_is_its_vocabulary_entry():
    # `STATE_LABELS` and the other tables are bound from VOCABULARY by position: each must be the entry
    # its name says, so that a table added in the middle cannot shift the names.
    tables = {name: table for name, table in label_tables().items() if name != "ACTION_LABELS"}
    assert len(tables) == len(states.VOCABULARY)
    for name, table in tables.items():
        assert table is states.VOCABULARY[name.removesuffix("_LABELS").lower()], name
    assert states.STATE_LABELS[states.State.NEEDS_INFO].vi == "Chờ bổ sung thông tin"
    assert states.OCCASION_LABELS["tet"].en == "Lunar New Year"
