"""OpenStad side by side: its resource export in, ours out, no personal data either way.

There is no real OpenStad export file to test with; the fixture below is written by hand from
the column names in OpenStad's code (``shared/data/openstad/README.md``).
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from dataclasses import replace

import pytest
from openpyxl import Workbook, load_workbook
from shapely.geometry import Point

from omgeving._errors import OmgevingError
from omgeving.exchange.openstad import (
    EXPORT_HEADERS,
    export_openstad,
    import_openstad,
    parse_theme_map,
    read_openstad,
    run_openstad,
)
from omgeving.participation import Area, validate_reaction
from omgeving.project import open_project
from omgeving.reactions import MAX_TEXT, new_reaction_id
from omgeving.store import open_store
from tests.test_cli import one_error_line, run
from tests.xss import _RAW, PAYLOADS

HEADERS = ["Inzending ID", "Project ID", "Widget ID", "Titel", "Samenvatting", "Beschrijving",
           "Locatie (lat)", "Locatie (lng)", "Datum aangemaakt (leesbaar)", "Laatst bijgewerkt",
           "Verwijderd op", "Aantal likes", "Aantal dislikes", "Waarschijnlijk spam",
           "Statussen", "Gebruiker ID", "Gebruiker rol", "Gebruiker naam",
           "Gebruiker e-mailadres", "Gebruiker telefoonnummer", "Gebruiker adres",
           "Gebruiker woonplaats", "Gebruiker postcode", "tags.theme", "tags.area"]
#: What a resident typed into OpenStad's account form: none of it may reach our store.
PERSONAL = {"Gebruiker naam": "Jantje Privé-Jansen", "Gebruiker e-mailadres":
            "jantje.prive@example.nl", "Gebruiker telefoonnummer": "06-98765432",
            "Gebruiker adres": "Geheimstraat 13", "Gebruiker woonplaats": "Verborgendorp",
            "Gebruiker postcode": "9999 ZZ"}
LONG = "Lang verhaal. " * 100  # 1400 characters


@pytest.fixture
def project(project_copy):
    return open_project(project_copy)


@pytest.fixture
def fresh(demo_project, tmp_path):
    """A second private copy of the demo project, with an empty store."""
    target = tmp_path / "tweede"
    shutil.copytree(demo_project, target, ignore=shutil.ignore_patterns("reactions.sqlite*"))
    open_store(open_project(target).store_url(), create=True).close()
    return open_project(target)


def inside(project, n=6):
    """Return ``n`` points inside the project area, around its representative point."""
    area = Area.from_web(project.web_dir)
    centre = area.boundary.representative_point()
    steps = [(0, 0), (0.001, 0), (-0.001, 0), (0, 0.001), (0, -0.001), (0.001, 0.001),
             (-0.001, -0.001), (0.002, 0), (-0.002, 0)]
    points = [Point(centre.x + dx, centre.y + dy) for dx, dy in steps]
    points = [p for p in points if area.boundary.covers(p)]
    assert len(points) >= n
    return points[:n]


def resource(iid, point, title, description="", **cells):
    """One row of OpenStad's export, as a dict of header → value."""
    row = {"Inzending ID": iid, "Project ID": 12, "Widget ID": 4, "Titel": title,
           "Beschrijving": description, "Locatie (lat)": point.y if point else None,
           "Locatie (lng)": point.x if point else None, "Aantal likes": 0,
           "Aantal dislikes": 0, "Waarschijnlijk spam": "Nee", "Statussen": "Open",
           "Gebruiker rol": "member", "tags.theme": "Wonen", "tags.area": "Centrum"}
    row.update(cells)
    return row


def openstad_rows(project):
    a, b, c, d, e, f = inside(project)
    far = Point(a.x + 5, a.y)
    return [
        resource(101, a, "Meer groen in de wijk", "<p>Graag meer bomen.</p>",
                 **{"Aantal likes": 14, "Gebruiker ID": 7,
                    "Datum aangemaakt (leesbaar)": "3 maart 2025 14:05"}, **PERSONAL),
        resource(102, b, "Veilig oversteken",
                 "<p>Een <strong>zebrapad</strong> bij de school &amp; de bibliotheek."
                 "</p><script>window.__xss=1</script><p>Dank&nbsp;u</p>",
                 **{"tags.theme": "Verkeer | Veiligheid", "Gebruiker ID": 7,
                    "Laatst bijgewerkt": "2025-04-01T08:00:00.000Z", "Aantal likes": 3}),
        resource(103, far, "Ver weg", "Dit punt ligt buiten de gemeente"),
        resource(104, None, "Zonder plek", "Geen locatie gekozen"),
        resource(105, c, "Weggehaald", "Door de schrijver verwijderd",
                 **{"Verwijderd op": "2025-03-10T09:00:00.000Z", "Gebruiker ID": 9}),
        resource(106, d, "Goedkope horloges", "Koop nu!!!", **{"Waarschijnlijk spam": "Ja"}),
        resource(107, e, "Een lang verhaal", LONG, **{"tags.theme": "energie"}),
        resource(108, f, "Iets anders", "Over een thema dat het project niet kent",
                 **{"tags.theme": "Cultuur", "Datum aangemaakt (leesbaar)":
                    "Onbekende datum"}),
    ]


def write_xlsx(path, rows, headers=HEADERS, sheet="Sheet1"):
    book = Workbook()
    book.active.title = sheet
    for row in [headers, *([r.get(h) for h in headers] for r in rows)]:
        book.active.append(row)
    book.save(path)
    return path


def write_csv(path, rows, *, sep=";", encoding="utf-8-sig", comma_decimals=True,
              headers=HEADERS):
    def cell(value):
        if isinstance(value, float) and comma_decimals:
            return repr(value).replace(".", ",")
        return "" if value is None else value

    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out, delimiter=sep)
        writer.writerow(headers)
        writer.writerows([cell(r.get(h)) for h in headers] for r in rows)
    return path


def by_inzending(report):
    return {r.inzending_id: r for r in report.rows}


def store_bytes(project) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(project.root.glob("reactions.sqlite*")))


# -- reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["xlsx", "xlsx-other-sheet", "csv-semicolon-bom",
                                     "csv-comma-no-bom"])
def test_xlsx_and_csv_read_alike_without_personal_columns(project, tmp_path, variant):
    rows = openstad_rows(project)
    if variant == "xlsx":
        path = write_xlsx(tmp_path / "inzendingen.xlsx", rows)
    elif variant == "xlsx-other-sheet":
        path = write_xlsx(tmp_path / "inzendingen.xlsx", rows, sheet="Inzendingen")
    elif variant == "csv-semicolon-bom":
        path = write_csv(tmp_path / "inzendingen.csv", rows)
    else:
        path = write_csv(tmp_path / "inzendingen.csv", rows, sep=",", encoding="utf-8",
                         comma_decimals=False)
    frame = read_openstad(path)
    assert list(frame.index) == list(range(2, 2 + len(rows)))  # spreadsheet row numbers
    assert "Gebruiker ID" in frame.columns
    assert not [c for c in frame.columns if c.startswith("Gebruiker ") and c != "Gebruiker ID"]
    assert [str(v) for v in frame["Inzending ID"]] == [str(r["Inzending ID"]) for r in rows]
    assert frame.loc[3, "Beschrijving"].startswith("<p>Een <strong>zebrapad")
    assert str(frame.loc[2, "Verwijderd op"] or "") == ""


@pytest.mark.parametrize(("headers", "match"), [
    ([h for h in HEADERS if not h.startswith("Locatie")],
     r"has no column 'Locatie \(lat\)', 'Locatie \(lng\)'.*leaves the location columns out"),
    (["Inzending ID", "Locatie (lat)", "Locatie (lng)", "tags.theme"],
     "has no column 'Titel, Samenvatting or Beschrijving'"),
    (["Reactie ID", "Inzending titel", "Reactie", "Locatie (lat)", "Locatie (lng)"],
     r"'Inzending ID'.*looks like the comments export"),
])
def test_a_file_without_the_needed_columns_is_a_clear_error(project, tmp_path, headers, match):
    path = write_xlsx(tmp_path / "export.xlsx", openstad_rows(project), headers=headers)
    with pytest.raises(OmgevingError, match=match) as caught:
        import_openstad(project, path)
    assert "export.xlsx" in str(caught.value) and "Expected OpenStad's resource export" in str(
        caught.value)


def test_other_files_are_clear_errors(project, tmp_path):
    with pytest.raises(OmgevingError, match=r"oud\.xls is not an OpenStad export.*\.xlsx"):
        read_openstad(tmp_path / "oud.xls")
    with pytest.raises(OmgevingError, match="does not exist"):
        read_openstad(tmp_path / "nergens.xlsx")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Inzending ID;Titel\n1;Caf\xe9\n".encode("latin-1"))
    with pytest.raises(OmgevingError, match=r"is not UTF-8 text.*'CSV UTF-8'"):
        read_openstad(latin)
    broken = tmp_path / "kapot.xlsx"
    broken.write_text("geen zip")
    with pytest.raises(OmgevingError, match="cannot be read as XLSX"):
        read_openstad(broken)


def _bad_file(tmp_path, kind: str):
    """Write an OpenStad export gone wrong in the way ``kind`` says; return its path."""
    header = ";".join(HEADERS) + "\n"
    if kind == "empty-csv":
        (path := tmp_path / "inzendingen.csv").write_bytes(b"")
    elif kind == "blank-csv":
        (path := tmp_path / "inzendingen.csv").write_text("\n \r\n\n")
    elif kind == "header-only-csv":
        (path := tmp_path / "inzendingen.csv").write_text(header, encoding="utf-8-sig")
    elif kind == "empty-xlsx":
        path = write_xlsx(tmp_path / "inzendingen.xlsx", [], headers=[])
    elif kind == "header-only-xlsx":
        path = write_xlsx(tmp_path / "inzendingen.xlsx", [])
    elif kind == "wrong-headers-csv":
        (path := tmp_path / "inzendingen.csv").write_text("naam;adres;opmerking\nJan;Dorpsstraat 1;"
                                                          "meer groen\n")
    elif kind == "garbage-csv":
        (path := tmp_path / "inzendingen.csv").write_bytes(bytes(range(256)) * 40)
    elif kind == "xlsx-named-csv":
        path = write_xlsx(tmp_path / "inzendingen.xlsx", [])
        path = path.rename(tmp_path / "inzendingen.csv")
    elif kind == "csv-named-xlsx":
        (path := tmp_path / "inzendingen.xlsx").write_text(header + "1;Titel\n")
    elif kind == "windows-1252-csv":
        (path := tmp_path / "inzendingen.csv").write_bytes(
            (header + "1;;;Caf\xe9 op het plein\n").encode("cp1252"))
    return path


@pytest.mark.parametrize(("kind", "match"), [
    ("empty-csv", r"inzendingen\.csv is empty: export the inzendingen again from OpenStad's "
                  r"admin \(Exporteer inzendingen\) and pass that file"),
    ("blank-csv", r"inzendingen\.csv is empty: export the inzendingen again"),
    ("header-only-csv", r"inzendingen\.csv has OpenStad's headers but no inzendingen under them"),
    ("empty-xlsx", r"inzendingen\.xlsx is empty \(sheet 'Sheet1' has no rows\): export the "
                   r"inzendingen again"),
    ("header-only-xlsx", r"inzendingen\.xlsx has OpenStad's headers but no inzendingen"),
    ("wrong-headers-csv", r"inzendingen\.csv has no column 'Inzending ID', 'Locatie \(lat\)', "
                          r"'Locatie \(lng\)'.*Found: naam, adres, opmerking"),
    ("garbage-csv", r"inzendingen\.csv is not text \(it holds binary data\): pass the \.xlsx or "
                    r"\.csv that OpenStad's 'Exporteer inzendingen' writes"),
    ("xlsx-named-csv", r"inzendingen\.csv is an XLSX file, not CSV: rename it to "
                       r"inzendingen\.xlsx"),
    ("csv-named-xlsx", r"inzendingen\.xlsx cannot be read as XLSX.*it holds text: if it is a "
                       r"CSV, rename it to inzendingen\.csv"),
    ("windows-1252-csv", r"inzendingen\.csv is not UTF-8 text \(byte 0xe9 in row 2\).*"
                         r"Windows-1252.*'CSV UTF-8'"),
])
def test_a_wrong_file_is_a_clear_error_naming_it_and_the_fix(project, tmp_path, kind, match):
    path = _bad_file(tmp_path, kind)
    with pytest.raises(OmgevingError, match=match):
        read_openstad(path)
    result = run("openstad", project.root, "--import", path)
    assert result.returncode == 2
    assert path.name in one_error_line(result)


def test_a_utf16_csv_is_read_like_utf8(project, tmp_path):
    """Excel's 'Unicode-tekst' is UTF-16 with a byte order mark: no reason to refuse it."""
    rows = openstad_rows(project)
    path = write_csv(tmp_path / "inzendingen.csv", rows, sep="\t", encoding="utf-16")
    frame = read_openstad(path)
    assert [str(v) for v in frame["Inzending ID"]] == [str(r["Inzending ID"]) for r in rows]


# -- importing --------------------------------------------------------------------------------


def test_import_stores_located_rows_and_accounts_for_the_rest(project, tmp_path):
    path = write_xlsx(tmp_path / "12_resources_2025-05-01.xlsx", openstad_rows(project))
    report = import_openstad(project, path, theme_map={"verkeer": "mobiliteit"})
    rows = by_inzending(report)
    assert [r.outcome for r in report.rows] == ["stored", "stored", "refused", "refused",
                                                "stored", "stored", "stored", "refused"]
    assert rows["103"].reason == "geometry is outside the project area"
    assert rows["104"].reason.startswith("no location")
    assert rows["108"].reason.startswith("tags.theme 'Cultuur' is not a project theme")
    assert rows["103"].label() == "row 4 (Inzending ID 103)"

    with open_store(project.store_url()) as store:
        stored = {r.inzending_id: store.get(r.reaction_id) for r in report.outcome("stored")}
        log = store.audit_log()
    assert all(r.channel == "openstad" and len(r.id) == 32 for r in stored.values())
    first, second = stored["101"], stored["102"]
    assert first.text == "Meer groen in de wijk\n\nGraag meer bomen."
    assert second.text == ("Veilig oversteken\n\nEen zebrapad bij de school & de bibliotheek."
                           "\n\nDank u")  # tags and the script gone, entities decoded
    assert (first.theme, second.theme) == ("wonen", "mobiliteit")
    assert first.created == "2025-03-03T13:05:00+00:00"  # 14:05 in Amsterdam, winter time
    assert second.created == "2025-04-01T08:00:00+00:00"  # from 'Laatst bijgewerkt'
    assert (rows["101"].created_from, rows["102"].created_from) == (
        "Datum aangemaakt (leesbaar)", "Laatst bijgewerkt")
    assert first.buurt and first.geometry["type"] == "Point"

    # one pseudonymous participant per OpenStad user; random tokens for rows without one
    expected = hashlib.sha256(b"openstad:12:7").hexdigest()[:32]
    assert first.participant == second.participant == expected
    assert stored["106"].participant != stored["107"].participant

    # deleted and spam: stored, hidden, with the reason in the moderation log
    assert (stored["105"].status, stored["105"].reason) == ("hidden", "verwijderd in OpenStad")
    assert (stored["106"].status, stored["106"].reason) == ("hidden", "spam volgens OpenStad")
    hides = [e for e in log if e.action == "hide"]
    assert {(e.reaction_id, e.actor) for e in hides} == {
        (stored["105"].id, "OpenStad-import"), (stored["106"].id, "OpenStad-import")}

    # likes are counts, not agreements: kept in the moderation log, not invented
    assert first.agrees == 0 and rows["101"].likes == 14
    provenance = next(e for e in log if e.reaction_id == first.id and e.action == "openstad")
    assert "inzending 101" in provenance.reason and "14 likes" in provenance.reason
    assert log[-1].action == "openstad-import" and "5 reacties opgeslagen" in log[-1].reason

    # nothing typed into OpenStad's account form reaches the store, in any file
    data = store_bytes(project)
    for value in PERSONAL.values():
        assert value.encode() not in data
    assert b"Geheimstraat" not in data and b"member" not in data

    summary = report.summary()
    assert "8 rows: 5 stored, 0 already stored, 3 refused." in summary
    assert "Hidden, as deleted or spam in OpenStad: 2" in summary
    assert "row 6 (Inzending ID 105): verwijderd in OpenStad" in summary
    assert "Likes: 17 OpenStad likes on 2 reactions are not agreements" in summary
    assert "row 5 (Inzending ID 104): no location" in summary
    assert "1 unknown (set to the import time)" not in summary  # row 108 was refused


def test_the_same_file_twice_or_as_csv_stores_nothing_twice(project, tmp_path):
    rows = openstad_rows(project)
    xlsx = write_xlsx(tmp_path / "inzendingen.xlsx", rows)
    first = import_openstad(project, xlsx, default_theme="werken")
    again = import_openstad(project, xlsx, default_theme="werken")
    as_csv = import_openstad(project, write_csv(tmp_path / "inzendingen.csv", rows),
                             default_theme="werken")
    ids = [r.reaction_id for r in first.outcome("stored")]
    assert len(ids) == 6  # 108 gets the default theme
    for later in (again, as_csv):
        assert not later.outcome("stored")
        assert [r.reaction_id for r in later.outcome("already stored")] == ids
    with open_store(project.store_url()) as store:
        assert store.count() == 6
        assert sum(e.action == "openstad-import" for e in store.audit_log()) == 1
        assert store.get(by_inzending(first)["108"].reaction_id).theme == "werken"
    assert "0 stored, 6 already stored, 2 refused" in again.summary()


def test_dry_run_checks_every_row_and_stores_nothing(project, tmp_path):
    for made in project.root.glob("reactions.sqlite*"):
        made.unlink()  # a project without a store: a dry run must not make one
    path = write_xlsx(tmp_path / "inzendingen.xlsx", openstad_rows(project))
    report = import_openstad(project, path, dry_run=True)
    assert [r.outcome for r in report.rows].count("valid") == 4  # 102 and 108 lack a theme
    assert report.summary().splitlines()[0].endswith("(dry run: nothing stored)")
    assert not list(project.root.glob("reactions.sqlite*"))


def test_theme_map_and_default_theme_must_be_project_themes(project, tmp_path):
    path = write_xlsx(tmp_path / "inzendingen.xlsx", openstad_rows(project))
    with pytest.raises(OmgevingError, match=r"theme map 'Verkeer'='auto': not a theme.*wonen"):
        import_openstad(project, path, theme_map={"Verkeer": "auto"})
    with pytest.raises(OmgevingError, match="default theme 'overig': not a theme"):
        import_openstad(project, path, default_theme="overig")
    assert parse_theme_map(["Verkeer=mobiliteit", " Groen = natuur & landschap"]) == {
        "Verkeer": "mobiliteit", "Groen": "natuur & landschap"}
    with pytest.raises(OmgevingError, match="is not TAG=THEMA"):
        parse_theme_map(["Verkeer"])


def test_a_long_text_is_shortened_with_an_ellipsis_and_reported(project, tmp_path):
    path = write_xlsx(tmp_path / "inzendingen.xlsx", openstad_rows(project))
    report = import_openstad(project, path, default_theme="wonen")
    row = by_inzending(report)["107"]
    with open_store(project.store_url()) as store:
        text = store.get(row.reaction_id).text
        log = [e.reason for e in store.audit_log() if e.reaction_id == row.reaction_id]
    assert len(text) == MAX_TEXT and text.endswith("…")
    assert text.startswith("Een lang verhaal\n\nLang verhaal.")
    assert row.shortened_from == len("Een lang verhaal\n\n" + LONG.strip())
    assert f"Shortened to {MAX_TEXT} characters: row 8 (Inzending ID 107)" in report.summary()
    assert f"tekst ingekort van {row.shortened_from} tot {MAX_TEXT} tekens" in log[0]


def test_deleted_later_in_openstad_is_hidden_on_the_next_import(project, tmp_path):
    rows = openstad_rows(project)
    first = import_openstad(project, write_xlsx(tmp_path / "mei.xlsx", rows),
                            default_theme="wonen")
    rows[0]["Verwijderd op"] = "2025-06-01T10:00:00.000Z"
    later = import_openstad(project, write_xlsx(tmp_path / "juni.xlsx", rows),
                            default_theme="wonen")
    gone = by_inzending(later)["101"]
    assert (gone.outcome, gone.status) == ("already stored", "hidden")
    with open_store(project.store_url()) as store:
        store.moderate(gone.reaction_id, "restore", actor="moderator", reason="mag blijven")
        spam = by_inzending(first)["106"].reaction_id
        store.moderate(spam, "restore", actor="moderator", reason="geen spam")
    import_openstad(project, write_xlsx(tmp_path / "juli.xlsx", rows), default_theme="wonen")
    with open_store(project.store_url()) as store:  # the moderator's word stands
        assert store.get(gone.reaction_id).status == "visible"
        assert store.get(spam).status == "visible"


def test_html_in_an_openstad_file_becomes_plain_text(project, tmp_path):
    (point,) = inside(project, 1)
    rows = [resource(200 + i, point, f"Test {i}", f"Tekst {i} {payload}")
            for i, payload in enumerate(PAYLOADS)]
    report = import_openstad(project, write_xlsx(tmp_path / "xss.xlsx", rows))
    assert len(report.outcome("stored")) == len(PAYLOADS)
    with open_store(project.store_url()) as store:
        texts = [store.get(r.reaction_id).text for r in report.rows]
    for i, text in enumerate(texts):
        assert text.startswith(f"Test {i}\n\nTekst {i}")
        if "&lt;" in PAYLOADS[i]:  # HTML that shows text: it stays that text, not markup
            assert text.endswith("<img src=x onerror=window.__xss=7>")
        else:
            assert not _RAW.search(text), text
    assert texts[0] == "Test 0\n\nTekst 0"  # a script's content is code, not text


# -- exporting --------------------------------------------------------------------------------


def add(project, text, *, theme="wonen", where=None, status="visible"):
    area = Area.from_web(project.web_dir)
    r = validate_reaction(
        id=new_reaction_id(), geometry=(where or inside(project, 1)[0]).__geo_interface__,
        theme=theme, text=text, area=area, themes=project.config.themes, participant="p1",
        status=status)
    with open_store(project.store_url()) as store:
        store.add(r)
    return r


def read_export(path):
    if path.suffix == ".xlsx":
        sheet = load_workbook(path)["Sheet1"]
        header, *rows = list(sheet.values)
        return list(header), [dict(zip(header, r, strict=True)) for r in rows]
    with path.open(encoding="utf-8-sig", newline="") as f:
        records = list(csv.DictReader(f, delimiter=";"))
    return list(records[0]), records


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_then_import_gives_the_same_texts_and_points(project, fresh, tmp_path, suffix):
    points = inside(project, 6)
    texts = ['=HYPERLINK("http://evil.example","klik")', "-2 bomen te weinig",
             "@SUM(A1) en +31 6 1234", "Twee regels:\nmeer groen & minder < asfalt",
             "Kort", "Een heel lange zin over de toekomst van het dorp " * 8, *PAYLOADS]
    ours = [add(project, t, where=points[i % 6], theme="natuur & landschap" if i % 2 else
                "wonen") for i, t in enumerate(texts)]
    hidden = add(project, "Weggehaald door een moderator", status="hidden")
    with open_store(project.store_url()) as store:
        store.agree(ours[0].id, "p2")
        store.agree(ours[0].id, "p3")

    path = export_openstad(project, tmp_path / f"voor-openstad{suffix}")
    header, records = read_export(path)
    assert header == list(EXPORT_HEADERS)
    assert not [h for h in header if h.startswith("Gebruiker")]
    assert [r["Inzending ID"] for r in records] == [r.id for r in ours]  # visible only
    assert hidden.id not in path.read_bytes().decode("utf-8-sig", "replace")
    first = records[0]
    assert str(first["Aantal likes"]) == "2" and first["tags.area"]
    assert first["Titel"] == '&#61;HYPERLINK("http://evil.example","klik")'
    assert records[1]["Beschrijving"] == "&#45;2 bomen te weinig"  # OpenStad shows "-2 ..."
    assert records[3]["Beschrijving"] == "Twee regels:\nmeer groen &amp; minder &lt; asfalt"
    assert records[5]["Titel"].endswith("…") and len(records[5]["Titel"]) <= 50
    for record in records:
        for column, value in record.items():
            if isinstance(value, str):
                assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)
    assert not list(tmp_path.glob(".voor-openstad-*"))  # no temporary file left

    report = import_openstad(fresh, path)
    assert len(report.outcome("stored")) == len(ours), report.summary()
    with open_store(fresh.store_url()) as store:
        back = {r.id: r for r in store.all()}
    for r in ours:  # our own ids come back as they are
        twin = back[r.id]
        assert (twin.text, twin.theme, twin.channel) == (r.text, r.theme, "openstad")
        (x, y), (x2, y2) = r.geometry["coordinates"], twin.geometry["coordinates"]
        assert abs(x - x2) < 1e-6 and abs(y - y2) < 1e-6
        assert abs(_seconds(twin.created) - _seconds(r.created)) < 60  # minutes in OpenStad
    assert import_openstad(project, path).outcome("stored") == []  # ours already


def _seconds(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def test_export_refuses_other_formats_and_unknown_scenarios(project, tmp_path):
    with pytest.raises(OmgevingError, match=r"write \.xlsx \(as OpenStad exports\) or \.csv"):
        export_openstad(project, tmp_path / "uit.json")
    with pytest.raises(OmgevingError, match="scenario 'nergens' is not in"):
        export_openstad(project, tmp_path / "uit.xlsx", scenario="nergens")


def test_the_command_line_function(project, tmp_path):
    path = write_xlsx(tmp_path / "inzendingen.xlsx", openstad_rows(project))
    text = run_openstad(project.root, import_path=path, theme_map=["Verkeer=mobiliteit"],
                        default_theme="wonen", dry_run=True)
    assert "(dry run: nothing stored)" in text and "8 rows: 6 valid, 2 refused." in text
    text = run_openstad(project.root, import_path=path, theme_map=["Verkeer=mobiliteit"])
    assert "5 stored" in text
    text = run_openstad(project.root, export_path=tmp_path / "uit.xlsx")
    assert text.startswith(f"Written: {tmp_path / 'uit.xlsx'} (visible reactions only")
    with pytest.raises(OmgevingError, match="either --import FILE or --export FILE"):
        run_openstad(project.root)
    with pytest.raises(OmgevingError, match="either --import FILE or --export FILE"):
        run_openstad(project.root, import_path=path, export_path=tmp_path / "uit.xlsx")


def test_the_command(project, tmp_path):
    path = write_xlsx(tmp_path / "inzendingen.xlsx", openstad_rows(project))
    done = run("openstad", project.root, "--import", path, "--theme-map", "Verkeer=mobiliteit",
               "--default-theme", "wonen")
    assert done.returncode == 0, done.stderr
    assert "6 stored" in done.stdout
    assert "'ruimtevaart': not a theme of the project" in one_error_line(run(
        "openstad", project.root, "--import", path, "--default-theme", "ruimtevaart"))
    done = run("openstad", project.root, "--export", tmp_path / "uit.csv")
    assert done.returncode == 0 and "Written:" in done.stdout


def test_rows_repeat_and_cells_can_be_odd(project, tmp_path):
    (point,) = inside(project, 1)
    rows = [resource(1, point, "Eerste keer", "tekst"),
            resource(1, point, "Tweede keer", "tekst"),
            resource(None, point, "Zonder id", "tekst"),
            resource(3, point, "Niet in graden", "tekst", **{"Locatie (lat)": 455000.0}),
            resource(4, point, "Geen getal", "tekst", **{"Locatie (lng)": "oost"}),
            resource(5, point, "", "", **{"Samenvatting": "  "}),
            resource(6, point, "Engels", "tekst", **{"Datum aangemaakt (leesbaar)":
                                                      "March 3, 2025 2:05 PM"})]
    report = import_openstad(project, write_xlsx(tmp_path / "raar.xlsx", rows))
    reasons = [r.reason for r in report.rows]
    assert reasons[:6] == ["", "the same Inzending ID as row 2",
                           "no Inzending ID, so no stable reaction id",
                           "Locatie (lat) '455000' is not in degrees (WGS 84)",
                           "Locatie (lng) 'oost' is not a number", "text is empty"]
    with open_store(project.store_url()) as store:
        english = store.get(report.rows[6].reaction_id)
    assert english.created == "2025-03-03T13:05:00+00:00"
    assert replace(report.rows[6], reason="").outcome == "stored"


def test_pre_moderation_keeps_imports_off_the_map_and_web_layers_are_needed(project, tmp_path):
    config = project.root / "omgeving.toml"
    config.write_text(config.read_text().replace('moderation = "post"', 'moderation = "pre"'))
    pre = open_project(project.root)
    path = write_xlsx(tmp_path / "inzendingen.xlsx", openstad_rows(pre))
    report = import_openstad(pre, path, default_theme="wonen")
    assert {r.inzending_id: r.status for r in report.outcome("stored")} == {
        "101": "pending", "102": "pending", "105": "hidden", "106": "hidden", "107": "pending",
        "108": "pending"}
    (pre.web_dir / "area.geojson").unlink()
    with pytest.raises(OmgevingError, match=r"has no web/area\.geojson.*'omgeving publish"):
        import_openstad(pre, path, default_theme="wonen")
