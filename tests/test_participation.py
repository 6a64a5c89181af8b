"""The rules of participation, without Jupyter: submitting, reporting, moderating, paper forms.

The rules that write go through the store; they run on both backends (a SQLite file and
PostgreSQL), like tests/test_store_backends.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omgeving._errors import StoreError, ValidationError
from omgeving.config import ProjectConfig
from omgeving.i18n import t
from omgeving.participation import (
    MAX_NAME,
    RATE_WINDOW,
    Area,
    change_reaction,
    enter_paper_form,
    initial_status,
    moderate,
    moderation_reason,
    moderator_name,
    report_reaction,
    report_reason,
    submit_reaction,
)
from omgeving.reactions import CHANNELS, new_reaction_id
from omgeving.store import MAX_REASON, open_store
from tests.geoms import AREA, BUURT_WEST, INSIDE
from tests.test_store_backends import raw_sql

T0 = datetime(2026, 5, 4, 19, 30, tzinfo=UTC)
#: A trigger that makes every audit entry fail, on each backend.
REFUSE_AUDIT = {
    "sqlite": "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit "
    "BEGIN SELECT RAISE(ABORT, 'no audit entry today'); END",
    "postgresql": "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'no audit entry today'; END $$; "
    "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit "
    "FOR EACH ROW EXECUTE FUNCTION refuse_audit();",
}


def config(**changes) -> ProjectConfig:
    return ProjectConfig(title="Dorp", gemeenten=("GM0177",), themes=("wonen",), **changes)


@pytest.fixture
def store(store_url):
    with open_store(store_url) as s:
        yield s


@pytest.fixture(scope="module")
def area():
    return Area(AREA, [BUURT_WEST])


def submit(store, area, cfg, *, now=T0, participant="p", channel="online", **changes):
    fields = {
        "id": new_reaction_id(),
        "geometry": INSIDE,
        "theme": "wonen",
        "text": "Meer bomen",
        "area": area,
        "participant": participant,
        "channel": channel,
        "now": now,
        **changes,
    }
    return submit_reaction(store, cfg, **fields)


def paper(store, area, cfg, *, actor="Carla", **changes):
    fields = {
        "id": new_reaction_id(),
        "geometry": INSIDE,
        "theme": "wonen",
        "text": "Graag een bankje bij de kerk.",
        "area": area,
        "actor": actor,
        **changes,
    }
    return fields["id"], enter_paper_form(store, cfg, **fields)


def refused(call, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value


# -- submitting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moderation", "channel", "status"),
    [
        ("post", "online", "visible"),
        ("post", "tafel", "visible"),
        ("post", "papier", "visible"),
        ("post", "openstad", "visible"),
        ("pre", "online", "pending"),
        ("pre", "tafel", "pending"),
        ("pre", "staff", "pending"),
        ("pre", "openstad", "pending"),
        ("pre", "papier", "visible"),  # a staff member typed it in and read it
    ],
)
def test_the_status_of_a_new_reaction_by_moderation_and_channel(moderation, channel, status):
    assert initial_status(config(moderation=moderation), channel) == status


def test_every_channel_has_a_status():
    for moderation in ("post", "pre"):
        assert {initial_status(config(moderation=moderation), c) for c in CHANNELS} <= {
            "visible",
            "pending",
        }


@pytest.mark.parametrize(("moderation", "status"), [("post", "visible"), ("pre", "pending")])
def test_a_submitted_reaction_is_stored_with_that_status(store, area, moderation, status):
    reaction = submit(store, area, config(moderation=moderation))
    assert reaction.status == status
    assert store.get(reaction.id).status == status
    assert reaction.created == "2026-05-04T19:30:00+00:00"  # the time of the submit


def test_the_rate_limit_at_its_boundary(store, area):
    cfg = config(rate_limit=3)
    for _ in range(2):
        submit(store, area, cfg)
    submit(store, area, cfg, now=T0 + timedelta(seconds=10))  # the third: at the limit
    err = refused(submit, store, area, cfg, now=T0 + timedelta(seconds=10))
    assert err.key == "error.rate_limit"
    assert "Wacht een minuut" in t(err.key)
    assert store.count() == 3
    submit(store, area, cfg, participant="someone else", now=T0 + timedelta(seconds=10))
    # a reaction made exactly one window ago still counts; one second later it does not
    assert refused(submit, store, area, cfg, now=T0 + RATE_WINDOW).key == "error.rate_limit"
    submit(store, area, cfg, now=T0 + RATE_WINDOW + timedelta(seconds=1))
    assert store.count_by("p", "2000-01-01T00:00:00+00:00") == 4


def test_a_retried_submit_stores_one(store, area):
    cfg = config()
    first = submit(store, area, cfg)
    again = submit(store, area, cfg, id=first.id)
    assert again.id == first.id and store.count() == 1


def test_a_refused_field_stores_nothing(store, area):
    assert refused(submit, store, area, config(), text="   ").key == "error.empty"
    assert refused(submit, store, area, config(), theme="verkeer").key == "error.theme"
    assert store.count() == 0


def test_only_the_author_changes_a_reaction(store, area):
    cfg = config()
    mine = submit(store, area, cfg, participant="ik")
    fields = {"geometry": INSIDE, "theme": "wonen", "area": area, "id": mine.id}
    change_reaction(store, cfg, text="Toch liever struiken", participant="ik", **fields)
    assert store.get(mine.id).text == "Toch liever struiken"
    err = refused(change_reaction, store, cfg, text="gekaapt", participant="jij", **fields)
    assert err.key == "form.cannot_change"
    assert store.get(mine.id).text == "Toch liever struiken"


# -- reporting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "key"),
    [
        ("", "list.report_needs_reason"),
        (" \x00\t ", "list.report_needs_reason"),
        ("x" * (MAX_REASON + 1), "list.report_too_long"),
        ("x" * 10_000, "list.report_too_long"),
        (None, "error.invalid"),
    ],
)
def test_a_report_reason_is_refused_not_cut(reason, key):
    assert refused(report_reason, reason).key == key


def test_a_report_reason_up_to_the_limit_is_kept_whole():
    assert report_reason("  " + "x" * MAX_REASON + "\x07 ") == "x" * MAX_REASON


def test_reporting_uses_the_projects_threshold(store, area):
    cfg = config(report_threshold=2)
    rid = submit(store, area, cfg).id
    assert refused(report_reaction, store, cfg, rid, "a", "x" * 501).key == "list.report_too_long"
    assert store.reports_for(rid) == []  # nothing stored, not even a cut reason
    assert report_reaction(store, cfg, rid, "a", "reclame") is True
    assert report_reaction(store, cfg, rid, "a", "nog eens") is False
    assert report_reaction(store, cfg, rid, "b", "scheldwoord") is True
    assert store.get(rid).status == "pending"


# -- moderating ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key", "message", "dutch"),
    [
        ("", "staff.error.name", "name is empty", "Vul eerst uw naam in"),
        ("  \x00\x1b ", "staff.error.name", "name is empty", "Vul eerst uw naam in"),
        ("x" * (MAX_NAME + 1), "staff.error.name_long", "over 60", "te lang"),
        ("Systeem", "staff.error.name_reserved", "reserved", "voor het systeem"),
        (" SYSTEM ", "staff.error.name_reserved", "reserved", "voor het systeem"),
        (42, "error.invalid", "not a text", None),
    ],
)
def test_a_bad_moderator_name_is_refused_with_a_message(name, key, message, dutch):
    with pytest.raises(ValidationError, match=message) as caught:
        moderator_name(name)
    assert caught.value.key == key
    if dutch:
        assert dutch in t(key)


def test_a_moderator_name_is_cleaned():
    assert moderator_name("  Anna\x07 de Vries ") == "Anna de Vries"
    assert moderator_name("x" * MAX_NAME) == "x" * MAX_NAME


@pytest.mark.parametrize(
    ("action", "reason", "key", "dutch"),
    [
        ("hide", "   ", "staff.error.reason", "Schrijf eerst een reden"),
        ("restore", "\x00", "staff.error.reason", "Schrijf eerst een reden"),
        ("hide", "x" * (MAX_REASON + 1), "staff.error.reason_long", "De reden is te lang"),
        ("approve", "x" * (MAX_REASON + 1), "staff.error.reason_long", "De reden is te lang"),
    ],
)
def test_a_bad_moderation_reason_is_refused_with_a_message(action, reason, key, dutch):
    err = refused(moderation_reason, action, reason)
    assert err.key == key and dutch in t(key)


def test_an_approval_needs_no_reason():
    assert moderation_reason("approve", " ") == "goedgekeurd"
    assert moderation_reason("approve", "", lang="en") == "approved"
    assert moderation_reason("approve", " klopt\x07 ") == "klopt"


def test_moderating_checks_the_name_first_and_changes_nothing_when_refused(store, area):
    rid = submit(store, area, config(moderation="pre")).id
    assert refused(moderate, store, rid, "hide", actor="", reason="").key == "staff.error.name"
    assert refused(moderate, store, rid, "hide", actor="Anna", reason="").key == (
        "staff.error.reason"
    )
    assert store.get(rid).status == "pending" and store.audit_log() == []
    assert moderate(store, rid, "approve", actor=" Anna ", reason="") is True
    (entry,) = store.audit_log()
    assert (entry.actor, entry.action, entry.reason) == ("Anna", "approve", "goedgekeurd")
    assert moderate(store, rid, "approve", actor="Bert", reason="") is False  # Anna was first


# -- paper forms -----------------------------------------------------------------------------


def test_a_paper_form_is_stored_with_its_audit_entry(store, area):
    form_id, added = paper(store, area, config(moderation="pre"), actor=" Carla ", sentiment=-1)
    assert added is True
    stored = store.get(form_id)
    assert (stored.channel, stored.status, stored.sentiment) == ("papier", "visible", -1)
    assert stored.participant and stored.buurt == "BU99990001"
    (entry,) = store.audit_log()
    assert (entry.action, entry.actor, entry.reaction_id) == ("papier", "Carla", form_id)
    assert entry.reason == "papieren formulier overgetypt"
    _, other = paper(store, area, config())
    assert other is True
    assert len({r.participant for r in store.all()}) == 2  # each form its own participant


def test_a_retried_paper_form_stores_and_logs_nothing(store, area):
    form_id, _ = paper(store, area, config())
    _, again = paper(store, area, config(), id=form_id)
    assert again is False
    assert store.count() == 1 and len(store.audit_log()) == 1


def test_a_bad_paper_form_stores_nothing(store, area):
    assert refused(paper, store, area, config(), actor="systeem").key == (
        "staff.error.name_reserved"
    )
    assert refused(paper, store, area, config(), text="").key == "error.empty"
    assert store.count() == 0 and store.audit_log() == []


def test_a_paper_form_whose_audit_entry_fails_is_not_stored(store, area, store_url):
    raw_sql(store, REFUSE_AUDIT["sqlite" if store_url.startswith("sqlite") else "postgresql"])
    with pytest.raises(StoreError, match=r"refused a write.*no audit entry today"):
        paper(store, area, config())
    assert store.count() == 0 and store.all() == []
    assert store.audit_log() == []


def test_the_rules_export_what_we_mean():
    import omgeving.participation as rules

    for name in rules.__all__:
        assert getattr(rules, name) is not None, name
    assert {"submit_reaction", "initial_status", "check_rate", "report_reaction", "moderate",
            "moderator_name", "moderation_reason", "enter_paper_form", "shown_to"} <= set(
        rules.__all__
    )
