"""The store's behaviour, the same tests on both backends: a SQLite file and PostgreSQL."""

from __future__ import annotations

import inspect
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import apsw
import pytest

from omgeving._errors import StoreError, ValidationError
from omgeving.store import SCHEMA_VERSION, open_store
from tests.conftest import ROOT
from tests.geoms import INSIDE_OOST, TRIANGLE
from tests.test_store import reaction


@pytest.fixture
def store(store_url):
    with open_store(store_url) as s:
        yield s


def raw_sql(store, sql: str) -> None:
    """Run ``sql`` on the store's own connection, past the store's methods."""
    if hasattr(store, "path"):  # SQLite
        store._db.execute(sql)
        return
    import psycopg

    try:
        with store._db.transaction():
            store._db.execute(sql)
    except psycopg.Error as err:
        raise RuntimeError(str(err)) from err


def test_opens_healthy_with_the_schema_version(store):
    assert store.schema_version() == SCHEMA_VERSION
    assert store.integrity_check() == "ok"


@pytest.mark.parametrize("geometry", [INSIDE_OOST, TRIANGLE], ids=["point", "polygon"])
def test_add_get_round_trip(store, geometry):
    r = reaction(text="Fietspad <langs> de 'Dijk' & \"zo\"; DROP TABLE x; --", geometry=geometry)
    assert store.add(r) is True
    back = store.get(r.id)
    assert back.geometry == r.geometry == geometry
    assert (back.text, back.theme, back.participant, back.created) == (
        r.text,
        r.theme,
        r.participant,
        r.created,
    )
    assert back.status == "visible" and back.seq >= 1 and back.changed >= 1
    assert store.get("0" * 32) is None


def test_double_add_stores_one(store):
    r = reaction()
    assert store.add(r) is True
    assert store.add(r) is False
    assert store.count() == 1


def test_visible_and_the_changes_cursor(store):
    first, pending = reaction(), reaction(status="pending")
    store.add(first)
    store.add(pending)
    assert [r.id for r in store.visible()] == [first.id]
    assert store.visible(since=store.get(first.id).seq) == []
    changed = store.changes(0)
    assert [r.id for r in changed] == [first.id, pending.id]
    cursor = changed[-1].changed
    assert store.changes(cursor) == []
    store.agree(first.id, "q")
    again = store.changes(cursor)
    assert [(r.id, r.agrees) for r in again] == [(first.id, 1)]
    assert again[0].changed > cursor
    assert len(store.all()) == 2 and store.count() == 2


def test_count_by_participant_and_time(store):
    store.add(reaction(participant="a"))
    store.add(reaction(participant="b"))
    assert store.count_by("a", "2000-01-01T00:00:00+00:00") == 1
    assert store.count_by("a", "2999-01-01T00:00:00+00:00") == 0


def test_agree_once_per_participant(store):
    r = reaction()
    store.add(r)
    assert store.agree(r.id, "a") is True
    assert store.agree(r.id, "a") is False
    assert store.agree(r.id, "b") is True
    assert store.get(r.id).agrees == 2
    assert store.agreed_by("a") == {r.id}
    assert store.agree("0" * 32, "a") is False


def test_report_threshold_hides_and_audits(store):
    r = reaction()
    store.add(r)
    assert store.report(r.id, "a", "scheldwoord", threshold=2) is True
    assert store.report(r.id, "a", "nog eens", threshold=2) is False
    assert store.get(r.id).status == "visible"
    assert store.report(r.id, "b", "reclame", threshold=2) is True
    back = store.get(r.id)
    assert (back.status, back.reports) == ("pending", 2)
    assert [reason for reason, _ in store.reports_for(r.id)] == ["scheldwoord", "reclame"]
    assert store.reported_by("b") == {r.id}
    assert [q.id for q in store.queue()] == [r.id]
    (entry,) = store.audit_log()
    assert (entry.actor, entry.action, entry.reaction_id) == ("systeem", "auto-hide", r.id)


def test_moderate_needs_a_reason_and_audits(store):
    r = reaction()
    store.add(r)
    with pytest.raises(ValidationError, match="reason is empty"):
        store.moderate(r.id, "hide", actor="m", reason=" ")
    with pytest.raises(ValidationError, match="not one of"):
        store.moderate(r.id, "delete", actor="m", reason="weg")
    assert store.moderate(r.id, "approve", actor="m", reason="ok") is False  # not pending
    assert store.moderate(r.id, "hide", actor="m", reason="persoonsgegevens") is True
    back = store.get(r.id)
    assert (back.status, back.reason) == ("hidden", "persoonsgegevens")
    assert store.visible() == []
    store.log("export", actor="m", reason="verslag")
    assert [(e.action, e.reaction_id, e.reason) for e in store.audit_log()] == [
        ("hide", r.id, "persoonsgegevens"),
        ("export", None, "verslag"),
    ]


def test_add_logged_stores_the_reaction_and_its_entry_in_one_transaction(store):
    r = reaction(channel="papier")
    assert store.add_logged(r, action="papier", actor=" Carla ", reason="overgetypt") is True
    assert store.add_logged(r, action="papier", actor="Carla", reason="nog eens") is False
    assert store.count() == 1
    assert [(e.action, e.actor, e.reaction_id, e.reason) for e in store.audit_log()] == [
        ("papier", "Carla", r.id, "overgetypt"),
    ]
    with pytest.raises(ValidationError, match="actor is empty"):
        store.add_logged(reaction(), action="papier", actor=" ", reason="overgetypt")
    assert store.count() == 1


def test_add_logged_stores_nothing_when_the_entry_fails(store):
    if hasattr(store, "path"):  # SQLite
        raw_sql(store, "CREATE TRIGGER refuse BEFORE INSERT ON audit "
                "BEGIN SELECT RAISE(ABORT, 'no entry today'); END")
    else:
        raw_sql(store, "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'no entry today'; END $$; CREATE TRIGGER refuse BEFORE INSERT "
                "ON audit FOR EACH ROW EXECUTE FUNCTION refuse();")
    r = reaction()
    with pytest.raises(StoreError, match="refused a write: no entry today"):
        store.add_logged(r, action="papier", actor="Carla", reason="overgetypt")
    assert store.get(r.id) is None and store.count() == 0 and store.audit_log() == []
    assert store.add(r) is True  # the store itself is fine


@pytest.mark.parametrize("sql", ["UPDATE audit SET reason='niets'", "DELETE FROM audit"])
def test_audit_log_refuses_update_and_delete(store, sql):
    store.log("export", actor="m", reason="verslag")
    with pytest.raises((apsw.Error, RuntimeError), match="append-only"):
        raw_sql(store, sql)
    assert [e.reason for e in store.audit_log()] == ["verslag"]


def test_audit_log_refuses_truncate_on_postgresql(pg_server):
    with open_store(pg_server.create_database(), create=True) as store:
        store.log("export", actor="m", reason="verslag")
        with pytest.raises(RuntimeError, match="append-only"):
            raw_sql(store, "TRUNCATE audit")
        assert len(store.audit_log()) == 1


def test_postgresql_cursor_waits_for_an_older_writer(pg_server):
    """A change committed while an older write is still open is held back, never skipped."""
    url = pg_server.create_database()
    open_store(url, create=True).close()
    with open_store(url) as older, open_store(url) as newer, open_store(url) as wall:
        first = reaction()
        with older._db.transaction():
            older._db.execute("SELECT * FROM omg_claim(false)")  # an older write, still open
            newer.add(first)
            assert newer.get(first.id) is not None
            assert wall.changes(0) == []  # committed, but the older writer may still add
        assert [r.id for r in wall.changes(0)] == [first.id]


def test_postgresql_unreachable_is_a_clear_error():
    with pytest.raises(StoreError, match="cannot connect to the reaction store"):
        open_store("postgresql://omg:geheim@127.0.0.1:1/omgeving")
    with pytest.raises(StoreError) as err:
        open_store("postgresql://omg:geheim@127.0.0.1:1/omgeving")
    assert "geheim" not in str(err.value)


def test_update_own_only_by_the_owner(store):
    r = reaction(participant="eigenaar")
    store.add(r)
    edited = reaction(id=r.id, text="Liever een park", geometry=TRIANGLE)
    assert store.update_own(edited, "iemand anders") is False
    assert store.get(r.id).text == r.text
    assert store.update_own(edited, "eigenaar") is True
    back = store.get(r.id)
    assert (back.text, back.geometry, back.participant) == ("Liever een park", TRIANGLE, "eigenaar")


def test_withdraw_keeps_the_reaction(store):
    r = reaction(participant="eigenaar")
    store.add(r)
    assert store.withdraw(r.id, "iemand anders") is False
    assert store.withdraw(r.id, "eigenaar") is True
    assert store.withdraw(r.id, "eigenaar") is False
    assert store.get(r.id).status == "withdrawn"
    assert store.visible() == [] and store.count() == 1
    assert store.update_own(reaction(id=r.id), "eigenaar") is False


def test_reopen_keeps_rows(store_url):
    r = reaction()
    with open_store(store_url) as s:
        s.add(r)
    with open_store(store_url) as s:
        assert s.get(r.id).text == r.text
        assert s.schema_version() == SCHEMA_VERSION


def test_postgresql_reconnects_after_a_lost_connection(pg_server):
    import psycopg

    url = pg_server.create_database()
    with open_store(url, create=True) as store:
        store.add(reaction())
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name='omgeving' AND pid <> pg_backend_pid()"
            )
        with pytest.raises(StoreError, match="cannot be read"):
            store.count()
        assert store.count() == 1  # the next call has a new connection
        assert store.add(reaction()) is True


# -- privacy: access, erasure (GDPR) and retention ------------------------------------------


def test_participant_data_holds_everything_of_one_token(store):
    mine, theirs = reaction(participant="ik"), reaction(participant="jij")
    store.add(mine)
    store.add(theirs)
    store.agree(theirs.id, "ik")
    store.report(theirs.id, "ik", "reclame")
    data = store.participant_data("ik")
    assert [r.id for r in data.reactions] == [mine.id]
    assert [a[0] for a in data.agreements] == [theirs.id]
    assert [(r, why) for r, why, _ in data.reports] == [(theirs.id, "reclame")]
    as_json = data.to_json()
    assert as_json["reacties"][0]["text"] == mine.text and as_json["deelnemer"] == "ik"
    assert store.participant_data("niemand").reactions == []


def test_erasing_a_participant_keeps_an_accountable_trace(store):
    mine, theirs = reaction(participant="ik"), reaction(participant="jij")
    store.add(mine)
    store.add(theirs)
    store.agree(theirs.id, "ik")
    store.agree(theirs.id, "derde")
    store.agree(mine.id, "jij")
    store.report(theirs.id, "ik", "reclame")
    cursor = max(r.changed for r in store.all())

    erased = store.erase_participant("ik", actor="Anna (privacy)", reason="verzoek 2026-12")
    assert (erased.reactions, erased.agreements, erased.reports) == (1, 1, 1)

    gone = store.get(mine.id)
    assert (gone.status, gone.text, gone.geometry, gone.participant, gone.buurt) == (
        "erased", "", None, "", None)
    assert gone.channel == mine.channel and gone.created == mine.created
    assert gone.reason == "verzoek 2026-12" and gone.agrees == 0
    other = store.get(theirs.id)
    assert (other.agrees, other.reports) == (1, 0)  # only "derde" still agrees
    assert store.participant_data("ik").reactions == []
    assert store.agreed_by("jij") == set()  # agreements on an erased reaction go too
    assert {r.id for r in store.changes(cursor)} == {mine.id, theirs.id}  # the wall hears it
    log = store.audit_log()
    assert [(e.action, e.reaction_id) for e in log] == [("erase", mine.id), ("erase", None)]
    assert "1 reacties" in log[-1].reason and "ik" not in log[-1].reason.split()
    assert store.integrity_check() == "ok"
    assert store.erase_participant("ik", actor="Anna", reason="nogmaals").reactions == 0
    with pytest.raises(ValidationError):
        store.erase_participant("jij", actor="Anna", reason=" ")


def test_purge_erases_what_is_older_than_the_retention_period(store):
    old = replace(reaction(participant="a"), created="2024-01-01T10:00:00+00:00")
    new = reaction(participant="b")
    store.add(old)
    store.add(new)
    store.agree(old.id, "b")
    assert store.purge("2025-01-01T00:00:00+00:00", actor="omgeving purge") == 1
    assert store.get(old.id).status == "erased" and store.get(new.id).text == new.text
    assert store.agreed_by("b") == set()
    assert [e.action for e in store.audit_log()] == ["purge", "purge"]
    assert store.purge("2025-01-01T00:00:00+00:00", actor="omgeving purge") == 0
    assert len(store.audit_log()) == 2  # an empty purge leaves no entry
    assert store.integrity_check() == "ok"


def test_snapshot_has_every_reaction_and_the_audit_log(store):
    shown, hidden = reaction(), reaction()
    store.add(shown)
    store.add(hidden)
    store.moderate(hidden.id, "hide", actor="mod", reason="scheldwoord")
    snap = store.snapshot()
    assert [r.id for r in snap.reactions] == [shown.id, hidden.id]
    assert snap.reactions[1].status == "hidden" and snap.reactions[1].reason == "scheldwoord"
    assert [e.action for e in snap.audit] == ["hide"]


# -- a moderator's theme, links between reactions, background answers ------------------------


def test_a_theme_is_given_only_where_the_resident_chose_none(store):
    themes = ("verkeer", "overig", "wonen")
    chosen = reaction(theme="verkeer", themes=themes, participant="p1")
    other = reaction(theme="overig", themes=themes, participant="p2")
    erased = reaction(theme="overig", themes=themes, participant="p3")
    paper = replace(reaction(participant="p4"), theme="")
    for r in (chosen, other, erased, paper):
        store.add(r)
    store.erase_participant(erased.participant, actor="Anna", reason="verzoek")
    cursor = store.changes()[-1].changed
    assert store.set_theme(other.id, "groen", actor="Anna", reason="suggestie aanvaard") is True
    assert store.set_theme(paper.id, "wonen", actor="Anna", reason="suggestie aanvaard")
    assert store.get(other.id).theme == "groen" and store.get(paper.id).theme == "wonen"
    assert [r.id for r in store.changes(cursor)] == [other.id, paper.id]  # walls see it
    # what a resident chose stays; a second change finds a theme; erased stays empty
    assert store.set_theme(chosen.id, "groen", actor="Anna", reason="x") is False
    assert store.set_theme(other.id, "verkeer", actor="Anna", reason="x") is False
    assert store.set_theme(erased.id, "groen", actor="Anna", reason="x") is False
    assert store.set_theme("0" * 32, "groen", actor="Anna", reason="x") is False
    assert store.get(chosen.id).theme == "verkeer"
    entries = [e for e in store.audit_log() if e.action == "theme"]
    assert [(e.reaction_id, e.actor, e.reason) for e in entries] == [
        (other.id, "Anna", "overig → groen: suggestie aanvaard"),
        (paper.id, "Anna", "(geen) → wonen: suggestie aanvaard"),
    ]
    for theme, actor, why in (("overig", "Anna", "x"), (" ", "Anna", "x"), ("groen", "", "x"),
                              ("groen", "Anna", " "), ("g" * 101, "Anna", "x")):
        with pytest.raises(ValidationError):
            store.set_theme(paper.id, theme, actor=actor, reason=why)


def test_links_record_a_moderators_judgement_and_delete_nothing(store):
    a, b, c = reaction(), reaction(), reaction()
    for r in (a, b, c):
        store.add(r)
    assert store.link(b.id, a.id, same=True, actor="Anna", reason="zelfde tekst") is True
    assert store.link(a.id, b.id, same=True, actor="Bram", reason="nog eens") is False
    assert store.link(a.id, c.id, same=False, actor="Anna", reason="andere plek") is True
    assert store.link(a.id, "0" * 32, same=True, actor="Anna", reason="x") is False
    judged = {(x.a, x.b): (x.same, x.actor) for x in store.links()}
    assert judged == {tuple(sorted([a.id, b.id])): (True, "Anna"),
                      tuple(sorted([a.id, c.id])): (False, "Anna")}
    # a moderator changes their mind: the newest judgement is kept, both are in the log
    assert store.link(a.id, b.id, same=False, actor="Bram", reason="toch niet") is True
    judged = {(x.a, x.b): x.same for x in store.links()}
    assert judged[tuple(sorted([a.id, b.id]))] is False and len(judged) == 2
    log = [(e.action, e.reaction_id, e.reason) for e in store.audit_log()]
    low, high = sorted([a.id, b.id])
    assert log[0] == ("link", low, f"#{high}: zelfde tekst")
    assert log[-1] == ("unlink", low, f"#{high}: toch niet")
    assert store.count() == 3 and all(r.status == "visible" for r in store.all())
    assert store.snapshot().links == store.links()
    with pytest.raises(ValidationError):
        store.link(a.id, a.id, same=True, actor="Anna", reason="x")
    with pytest.raises(ValidationError):
        store.link(a.id, c.id, same=True, actor="Anna", reason="")
    assert store.integrity_check() == "ok"


def test_background_answers_are_kept_without_anything_that_identifies(store):
    store.add_profile("online", age="25-44", relation=("werkt", "woont"))
    store.add_profile("papier", age=None, relation=("bezoekt",))
    store.add_profile("tafel", age="65+", relation=())
    got = store.profiles()
    assert [(p.channel, p.age, p.relation) for p in got] == [
        ("online", "25-44", ("woont", "werkt")), ("papier", None, ("bezoekt",)),
        ("tafel", "65+", ()),
    ]
    assert all(len(p.day) == 10 for p in got)  # the day only, no time to match a reaction by
    assert store.snapshot().profiles == got
    for channel, age, relation in (("online", None, ()), ("online", "30-40", ()),
                                   ("online", None, ("woont", "<b>")), ("web", "65+", ())):
        with pytest.raises(ValidationError):
            store.add_profile(channel, age=age, relation=relation)
    assert len(store.profiles()) == 3
    assert store.purge("2999-01-01T00:00:00+00:00", actor="omgeving purge") == 0
    assert store.profiles() == []  # the retention period holds for them too


def test_a_schema_3_store_gets_the_tables_and_columns_of_schema_4(store_url):
    with open_store(store_url) as store:
        r = reaction()
        store.add(r)
        for table in ("links", "profiles", "round_state", "evenings", "responses"):
            raw_sql(store, f"DROP TABLE {table}")
        for column in ("round", "evening"):
            raw_sql(store, f"ALTER TABLE reactions DROP COLUMN {column}")
        raw_sql(store, "UPDATE meta SET value='3' WHERE key='schema_version'")
    with open_store(store_url) as store:
        assert store.schema_version() == SCHEMA_VERSION == 4
        assert store.integrity_check() == "ok" and store.get(r.id).text == r.text
        assert store.links() == [] and store.profiles() == [] and store.responses() == []
        assert store.get(r.id).round is None
        store.add_profile("online", age="15-24", relation=())
        store.add(replace(reaction(), round="ideeen", evening="e" * 32))


# -- rounds, the evening register, the municipality's responses ------------------------------


def test_a_reaction_keeps_its_round_and_evening(store):
    r = replace(reaction(), round="ideeen", evening="a" * 32)
    store.add(r)
    assert (store.get(r.id).round, store.get(r.id).evening) == ("ideeen", "a" * 32)
    store.erase_participant(r.participant, actor="Anna", reason="verzoek")
    assert store.get(r.id).round == "ideeen"  # an erased reaction still counts in its round


def test_staff_open_and_close_rounds_audited(store):
    assert store.round_states() == {}
    assert store.set_round("ideeen", False, actor="Anna", reason="einde eerste ronde") is True
    assert store.set_round("ideeen", False, actor="Anna", reason="nog eens") is False
    assert store.set_round("visie", True, actor="Bram", reason="start") is True
    assert store.round_states() == {"ideeen": False, "visie": True}
    assert [(e.action, e.reason) for e in store.audit_log()] == [
        ("round-close", "ideeen: einde eerste ronde"), ("round-open", "visie: start")]
    assert store.snapshot().rounds == {"ideeen": False, "visie": True}
    with pytest.raises(ValidationError):
        store.set_round("ideeen", True, actor="Anna", reason="")


def test_rounds_planned_in_the_staff_app_are_kept_and_changed_audited(store):
    from omgeving.store import RoundPlan

    plan = RoundPlan("evaluatie", "Evaluatie <b>", "2027-09-01", "2027-09-30",
                     title_en="Evaluation", scenarios=("compact-bouwen",))
    assert store.save_round_plan(plan, actor="Anna") is True
    assert store.save_round_plan(plan, actor="Anna") is False  # nothing changed
    later = replace(plan, end="2027-10-15")
    assert store.save_round_plan(later, actor="Bram") is True
    (kept,) = store.round_plans()
    assert (kept.title, kept.end, kept.scenarios, kept.actor) == (
        "Evaluatie <b>", "2027-10-15", ("compact-bouwen",), "Bram")
    assert store.snapshot().plans == [kept]
    assert [e.action for e in store.audit_log()] == ["round-plan", "round-plan"]
    assert store.audit_log()[-1].reason.startswith("evaluatie: Evaluatie <b>, 2027-09-01 tot")
    for bad in (replace(plan, end="2027-08-01"), replace(plan, slug="Evaluatie!"),
                replace(plan, start="1 september"), replace(plan, title=" ")):
        with pytest.raises(ValidationError):
            store.save_round_plan(bad, actor="Anna")
    assert store.round_plans() == [kept]


def test_the_evening_register_keeps_counts_not_names(store):
    from omgeving.store import Evening

    e = Evening(id="b" * 32, day="2026-03-12", place="Dorpshuis De Spil", visitors=48,
                scenarios=("compact-bouwen",), notes="Veel vragen over <b>wonen</b>.")
    assert store.save_evening(e, actor="Carla") is True
    assert store.save_evening(e, actor="Carla") is False  # nothing changed
    assert store.save_evening(replace(e, visitors=52), actor="Dirk") is True
    (back,) = store.evenings()
    assert (back.visitors, back.notes, back.actor, back.scenarios) == (
        52, "Veel vragen over <b>wonen</b>.", "Dirk", ("compact-bouwen",))
    assert [x.action for x in store.audit_log()] == ["evening", "evening"]
    assert store.snapshot().evenings == store.evenings()
    for bad in (replace(e, day="12-03-2026"), replace(e, visitors=-1), replace(e, place=" "),
                replace(e, id="x"), replace(e, visitors=True)):
        with pytest.raises(ValidationError):
            store.save_evening(bad, actor="Carla")


def test_responses_are_written_changed_and_withdrawn_with_the_log_keeping_each(store):
    from omgeving.store import Response

    r = reaction()
    store.add(r)
    answer = Response(id="c" * 32, kind="concern", target="verkeersveiligheid Zwolseweg",
                      verdict="deels overgenomen", text="Er komt een zebrapad bij de school.",
                      ids=(r.id,), changes=("scenario:compact-bouwen/zebrapad-1",
                                            "gio:visiegebied-dorpskern"), round="ideeen")
    assert store.save_response(answer, actor="Anna") is True
    assert store.save_response(answer, actor="Anna") is False
    assert store.responses()[0].ids == (r.id,) and store.responses()[0].actor == "Anna"
    better = replace(answer, verdict="overgenomen", text_en="A crossing comes.")
    assert store.save_response(better, actor="Bram") is True
    (back,) = store.responses()
    assert (back.verdict, back.text_en, back.round, back.changes) == (
        "overgenomen", "A crossing comes.", "ideeen", answer.changes)
    assert store.delete_response(answer.id, actor="Bram", reason="dubbel") is True
    assert store.delete_response(answer.id, actor="Bram", reason="dubbel") is False
    assert store.responses() == []
    log = [(e.action, e.reason) for e in store.audit_log()]
    assert [a for a, _ in log] == ["response", "response", "response-withdrawn"]
    assert "Er komt een zebrapad bij de school." in log[-1][1]  # the log keeps what it said
    for bad in (replace(answer, verdict="misschien"), replace(answer, kind="buurt"),
                replace(answer, text=" "), replace(answer, changes=("http://x",)),
                replace(answer, id="1")):
        with pytest.raises(ValidationError):
            store.save_response(bad, actor="Anna")


# -- upgrades: stores written by the omgeving of an earlier schema ---------------------------

DATA = Path(__file__).parent / "data"


def old_store_url(kind: str, tmp_path, pg_server=None) -> str:
    """A store written by an earlier omgeving (see tests/data/make_old_stores.py)."""
    if kind.endswith("postgresql"):
        return pg_server.restore(DATA / f"store-{kind}.sql")
    copy = tmp_path / "reactions.sqlite"
    shutil.copy(DATA / f"store-{kind}.sqlite", copy)
    return f"sqlite:///{copy}"


@pytest.mark.parametrize("kind", ["v1", "v2", "v2-postgresql"])
def test_an_older_store_is_upgraded_without_losing_a_row(kind, tmp_path, request):
    pg = request.getfixturevalue("pg_server") if kind.endswith("postgresql") else None
    with open_store(old_store_url(kind, tmp_path, pg)) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.integrity_check() == "ok"
        rows = {r.id[0]: r for r in store.all()}
        assert sorted(rows) == list("abcdef")
        assert rows["a"].text == "Meer starterswoningen bij de kerk"
        assert rows["b"].geometry["type"] == "LineString" and rows["c"].sentiment == -2
        assert rows["d"].text.startswith("=HYPERLINK") and rows["d"].status == "hidden"
        assert rows["e"].status == "pending" and rows["a"].scenario == "compact-bouwen"
        if kind != "v1":  # schema 2 added agreements, reports, withdrawal and the audit log
            assert (rows["a"].agrees, rows["c"].reports) == (2, 1)
            assert rows["f"].status == "withdrawn" and rows["d"].reason == "kwetsend"
            assert [e.action for e in store.audit_log()] == ["restore", "hide"]
        cursor = max(r.changed for r in rows.values())
        assert store.changes(cursor) == []  # the wall's cursor goes on from where it was
        assert store.erase_participant(rows["e"].participant, actor="Anna",
                                       reason="na de upgrade").reactions >= 1
        assert [r.status for r in store.changes(cursor)].count("erased") >= 1
        assert store.integrity_check() == "ok"


# -- a store that is not there --------------------------------------------------------------


def test_a_database_without_the_store_is_an_error_until_created(pg_server):
    url = pg_server.create_database()
    name = url.rsplit("/", 1)[1]
    with pytest.raises(StoreError, match=rf"the database '{name}' .*has none of omgeving's "
                       r"tables.*correct the database name in the url") as caught:
        open_store(url)
    assert caught.match(r"the server also has the databases .*omgeving")
    with open_store(url, create=True) as store:
        assert store.count() == 0
    with open_store(url) as store:  # made on purpose once, it opens from then on
        assert store.schema_version() == SCHEMA_VERSION


def test_a_database_name_with_a_typo_is_a_clear_error(pg_server):
    url = pg_server.url("omgevng")
    with pytest.raises(StoreError, match=r"the database 'omgevng' of the reaction store .* does "
                       r"not exist on that server; correct the database name in \[store\] url"):
        open_store(url)
    with pytest.raises(StoreError, match="does not exist on that server"):
        open_store(url, create=True)  # creating the tables needs the database itself


def test_quick_check_is_ok_on_a_healthy_store(store):
    assert store.quick_check() == "ok"


# -- one interface ---------------------------------------------------------------------------


def _methods(cls) -> set[str]:
    return {n for n, v in vars(cls).items() if callable(v) and not n.startswith("_")}


@pytest.mark.parametrize("backend", ["SQLiteStore", "PostgresStore"])
def test_each_backend_has_exactly_the_store_interface(backend):
    import omgeving.store

    cls = getattr(omgeving.store, backend)
    assert omgeving.store.Store in cls.__mro__  # explicitly, so the docstrings are inherited
    assert _methods(cls) == _methods(omgeving.store.Store)
    for name in (*_methods(omgeving.store.Store), "__enter__", "__exit__"):
        ours = inspect.signature(getattr(omgeving.store.Store, name)).parameters.values()
        theirs = inspect.signature(getattr(cls, name)).parameters.values()
        assert [(p.name, p.kind, p.default) for p in theirs] == [
            (p.name, p.kind, p.default) for p in ours
        ], name
        assert inspect.getdoc(getattr(cls, name)), name  # written once, in Store


def test_the_store_exports_what_we_mean():
    import omgeving.store

    assert set(omgeving.store.__all__) == {
        "ACTIONS", "AGE_BANDS", "MAX_REASON", "MAX_RESPONSE", "MIN_SQLITE", "RELATIONS",
        "RESPONSE_KINDS", "SCHEMA_VERSION", "STATUSES", "UNSPECIFIED_THEMES", "VERDICTS",
        "AuditEntry", "Erasure", "Evening", "Link", "ParticipantData", "PostgresStore",
        "Profile", "Response", "RoundPlan", "SQLiteStore", "Snapshot", "Store", "check_reason",
        "moderation", "open_store", "repair_hint", "sqlite_path",
    }
    for name in omgeving.store.__all__:
        assert getattr(omgeving.store, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        omgeving.store.nothing  # noqa: B018


@pytest.mark.parametrize(
    ("module", "absent"),
    [
        ("omgeving.store", ("shapely", "geopandas", "ipywidgets", "ipyleaflet", "psycopg", "apsw")),
        ("omgeving.store._sqlite", ("shapely", "geopandas", "ipywidgets", "psycopg")),
        ("omgeving.store._postgres", ("shapely", "geopandas", "ipywidgets", "apsw")),
    ],
)
def test_importing_the_store_loads_no_geo_stack_and_one_driver_at_most(module, absent):
    code = f"import sys, {module}; print([m for m in {absent!r} if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert (out.stdout.strip(), out.stderr) == ("[]", "")
