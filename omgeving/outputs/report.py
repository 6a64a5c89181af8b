"""The participatieverslag: how people were involved and what it produced (Omgevingsbesluit 10.7).

``omgeving report DIR`` writes ``exports/participatieverslag.html`` (self-contained: charts as
inline SVG, maps as embedded PNG) and prints it to ``participatieverslag.pdf`` with the headless
Chromium that the apps' tests use too: it renders the same HTML and CSS as the browser view,
with real page breaks and repeated table headers, and needs no extra Python package (WeasyPrint
would need Cairo and Pango and lays out CSS differently).

Contents: the method (channels, period, evenings, moderation); who took part (per channel, per
buurt against its inhabitants, under-represented buurten marked); what was said (per theme and
scenario, sentiment, the most agreed reactions, a map and a density map); what the municipality
did with it (the responses planners enter with :func:`respond`); and an annex with every
reaction, hidden, withdrawn and erased ones included with status and reason, so the report
accounts for 100% of the input. The figures come from :mod:`omgeving.outputs.analysis` and
:mod:`omgeving.outputs.figures`, which a planner can use in a notebook. Every text is escaped.
"""

from __future__ import annotations

import html
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pandas as pd

from omgeving import settings
from omgeving._errors import OmgevingError, ValidationError
from omgeving.files import atomic_path, atomic_write
from omgeving.i18n import day_text
from omgeving.project import Project
from omgeving.store import Response, Snapshot, open_store

if TYPE_CHECKING:
    from omgeving.analysis.run import Analysis

__all__ = ["ReportFiles", "Responses", "build_report", "read_responses", "respond"]

RESPONSES = "antwoorden.json"
_NOT_MODERATORS = ("systeem", "OpenStad-import")
TOP_AGREED = 10
_TZ = ZoneInfo(settings.TIMEZONE)
STATUS_NL = {
    "visible": "zichtbaar",
    "pending": "wacht op moderatie",
    "hidden": "verborgen",
    "withdrawn": "ingetrokken door de schrijver",
    "erased": "gewist (privacy)",
}
_KIND_NL = {"theme": "op het thema", "concern": "op de zorg", "reaction": "op deze reactie"}
CHANNEL_NL = {
    "online": "online (website)",
    "tafel": "tafel op een avond",
    "papier": "papieren formulier",
    "staff": "ingevoerd door de gemeente",
    "openstad": "OpenStad",
}


# -- responses of the municipality ------------------------------------------------------------


@dataclass
class Responses:
    """What the municipality did with the input: per theme, and optionally per reaction."""

    themes: dict[str, str] = field(default_factory=dict)
    reactions: dict[str, str] = field(default_factory=dict)


def read_responses(project: Project) -> Responses:
    """Read the responses stored with the project (``antwoorden.json``)."""
    path = project.root / RESPONSES
    if not path.exists():
        return Responses()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Responses(dict(data.get("themas", {})), dict(data.get("reacties", {})))
    except (ValueError, AttributeError) as err:
        raise OmgevingError(f"{path} is not a valid responses file ({err}); fix it or "
                            "remove it and enter the responses again with respond()") from err


def respond(project: Project, text: str, *, verdict: str, theme: str | None = None,
            reaction: str | None = None, round: str | None = None,
            changes: tuple[str, ...] = (), actor: str = "notebook") -> Response | None:
    """Store the municipality's response to a theme or to one reaction (empty text: remove).

    The same as the staff app's *Antwoorden* tab, from a notebook: the response goes to the
    store, audited with ``actor``; a second call for the same theme or reaction (and round)
    replaces the first. ``verdict`` is one of :data:`omgeving.store.VERDICTS`.

    Examples
    --------
    In a notebook::

        respond(project, "We bouwen eerst in Eskerlo-Noord ...", theme="wonen",
                verdict="deels overgenomen")
        respond(project, "Dit fietspad komt in het plan.", reaction="3f2a...",
                verdict="overgenomen")
    """
    import hashlib

    from omgeving.cycle import check_changes

    if (theme is None) == (reaction is None):
        raise ValidationError("give either theme= or reaction=, not both or neither")
    with open_store(project.store_url()) as store:
        if theme is not None:
            if theme not in project.config.themes:
                raise ValidationError(f"theme {theme!r} is not a theme of the project; use one "
                                      f"of {', '.join(project.config.themes)}")
            kind, target = "theme", theme
            ids = tuple(r.id for r in store.all() if r.theme == theme
                        and (round is None or r.round == round))
        else:
            if store.get(str(reaction)) is None:
                raise ValidationError(f"there is no reaction with id {reaction!r}; copy the id "
                                      "from the export or the staff app")
            kind, target, ids = "reaction", str(reaction), (str(reaction),)
        key = hashlib.sha256(f"{kind}:{target}:{round or ''}".encode()).hexdigest()[:32]
        if not text.strip():
            store.delete_response(key, actor=actor, reason="antwoord verwijderd uit notebook")
            return None
        response = Response(id=key, kind=kind, target=target, verdict=verdict, text=text,
                            ids=ids, changes=check_changes(project, changes), round=round)
        store.save_response(response, actor=actor)
        return response


def _legacy_responses(project: Project) -> list[Response]:
    """Return the responses of an ``antwoorden.json`` written by an older omgeving."""
    old = read_responses(project)
    made = [Response(id="0" * 32, kind="theme", target=t_, verdict="", text=text)
            for t_, text in old.themes.items()]
    made += [Response(id="0" * 32, kind="reaction", target=rid, verdict="", text=text,
                      ids=(rid,)) for rid, text in old.reactions.items()]
    return made


# -- the report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFiles:
    """The report's files and the number of reactions it accounts for."""

    html: Path
    pdf: Path | None
    reactions: int


def build_report(project: Project, out_dir: str | os.PathLike[str] | None = None, *,
                 pdf: bool = True, progress: bool = False,
                 round: str | None = None) -> ReportFiles:
    """Write the participatieverslag as HTML and (with ``pdf``) PDF; return the files.

    With ``round`` (a slug of ``[[rounds]]``) the report covers that round's reactions only,
    and is written as ``participatieverslag-<round>``.

    Raises
    ------
    OmgevingError
        When the PDF is asked for and no Chromium is installed, or Chromium fails.
    """
    from omgeving.analysis.moderated import settle
    from omgeving.analysis.run import analyse
    from omgeving.cycle import rounds_of
    from omgeving.exchange.export import reaction_table
    from omgeving.outputs import figures
    from omgeving.outputs.analysis import participation_per_buurt

    folder = Path(out_dir) if out_dir is not None else project.exports_dir
    folder.mkdir(parents=True, exist_ok=True)
    chromium = _chromium() if pdf else None
    steps = _Steps(progress, total=9 if pdf else 8)
    with open_store(project.store_url()) as store:
        snapshot = store.snapshot()
    # the rounds of omgeving.toml and those planned in the staff app
    project = replace(project, config=rounds_of(project.config, snapshot.plans))
    if round is not None and round not in {r.slug for r in project.config.rounds}:
        known = ", ".join(r.slug for r in project.config.rounds) or "none"
        raise ValidationError(f"round {round!r} is not one of the project's rounds ({known}); "
                              "see [[rounds]] in omgeving.toml or the staff app's Rondes")
    if round is not None:
        snapshot = replace(snapshot, reactions=[r for r in snapshot.reactions if r.round == round])
    frame = reaction_table(project, snapshot)
    responses = [*snapshot.responses, *_legacy_responses(project)]
    if round is not None:
        responses = [r for r in responses if r.round in (None, round)]
    steps.done("gegevens")
    parts = [_head(project, snapshot, frame, round), _method(project, snapshot, frame)]
    steps.done("werkwijze")
    buurten = (participation_per_buurt(frame, project)
               if "buurten" in project.layer_names() else None)
    parts.append(_who(frame, buurten))
    steps.done("deelname")
    parts.append(_what(project, frame, figures))
    steps.done("grafieken")
    found = settle(analyse(project, frame), snapshot.links)  # as moderators linked them
    parts.append(_concerns(project, found, figures))
    parts.append(_heard(project, snapshot))
    steps.done("analyse")
    parts.append(_maps(project, frame, figures))
    steps.done("kaarten")
    parts.append(_responses(project, responses, snapshot, found, round))
    parts.append(_annex(frame, responses, snapshot, found))
    steps.done("bijlage")
    page = _PAGE.format(title=html.escape(f"Participatieverslag {project.config.title}"),
                        body="\n".join(parts))
    name = "participatieverslag" + (f"-{round}" if round else "")
    html_path = folder / f"{name}.html"
    atomic_write(html_path, page.encode("utf-8"))
    steps.done("html")
    pdf_path = None
    if chromium:
        pdf_path = folder / f"{name}.pdf"
        _print_pdf(chromium, html_path, pdf_path)
        steps.done("pdf")
    steps.close()
    return ReportFiles(html_path, pdf_path, len(frame))


class _Steps:
    def __init__(self, progress: bool, total: int) -> None:
        self.bar = None
        if progress:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="verslag", unit="stap")

    def done(self, what: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(what)
            self.bar.update()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# -- sections -----------------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape("" if value is None or value is pd.NA else str(value))


def _local(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(_TZ)


def _date(iso: str) -> str:
    return _local(iso).strftime("%d-%m-%Y")


def _head(project: Project, snapshot: Snapshot, frame: pd.DataFrame,
          round_slug: str | None = None) -> str:
    cfg = project.config
    this = next((r for r in cfg.rounds if r.slug == round_slug), None)
    scope = (f"<p class='sub'>Ronde {_e(this.title)}, van {_e(day_text(this.start))} tot en met "
             f"{_e(day_text(this.end))}</p>" if this else "")
    status = frame["status"].value_counts()
    rows = "".join(
        f"<tr><th scope='row'>{_e(STATUS_NL[s])}</th><td data-count='{s}'>{status.get(s, 0)}"
        "</td></tr>" for s in STATUS_NL
    )
    participants = frame.loc[frame["deelnemer"] != "", "deelnemer"].nunique()
    fictional = ("<p class='let-op'>Let op: dit is een verzonnen gemeente, om het programma te "
                 "laten zien.</p>" if cfg.fictional else "")
    return f"""
<header>
<h1>Participatieverslag</h1>
<p class='sub'>{_e(cfg.title)}</p>
{scope}
<p>Gemeente(n): {_e(', '.join(cfg.gemeenten))} · opgesteld op {_e(_date(snapshot.taken))}</p>
{fictional}
</header>
<section id='samenvatting'>
<h2>1. Samenvatting</h2>
<p>Dit verslag beschrijft hoe inwoners en anderen bij de omgevingsvisie zijn betrokken en wat
dat heeft opgeleverd (artikel 10.7 Omgevingsbesluit). Het telt <strong>elke</strong> reactie
mee, ook reacties die verborgen, ingetrokken of gewist zijn.</p>
<table class='kern'>
<tr><th scope='row'>Totaal aantal reacties</th><td data-count='total'>{len(frame)}</td></tr>
<tr><th scope='row'>Deelnemers (schatting)</th>
<td data-count='participants'>{participants}</td></tr>
{rows}
</table>
<p class='noot'>Deelnemers worden geteld per anonieme code van een browservenster of een
tafelbeurt: iemand die op twee apparaten reageerde telt twee keer, iemand die zijn gegevens liet
wissen niet meer.</p>
</section>"""


def _method(project: Project, snapshot: Snapshot, frame: pd.DataFrame) -> str:
    cfg = project.config
    if len(frame):
        start, end = _date(frame["aangemaakt"].min()), _date(frame["aangemaakt"].max())
        period = f"van {start} tot en met {end}"
    else:
        period = "nog geen reacties"
    channels = frame["kanaal"].value_counts()
    channel_items = "".join(f"<li>{_e(CHANNEL_NL.get(c, c))}: {n} reacties</li>"
                            for c, n in channels.items())
    table = frame[frame["kanaal"] == "tafel"]
    if snapshot.evenings:  # the register staff kept
        in_hall = frame["avond"].value_counts()  # the table's, and the phones' via the wall
        at_table = table["avond"].value_counts()
        names = {s.slug: s.name for s in cfg.scenarios}
        evening_items = "".join(
            f"<li>{_e(day_text(e.day))}, {_e(e.place)}: {e.visitors} bezoekers, "
            f"{int(in_hall.get(e.id, 0))} reacties in de zaal ({int(at_table.get(e.id, 0))} "
            f"aan de tafel, {int(in_hall.get(e.id, 0) - at_table.get(e.id, 0))} met een "
            "telefoon via de QR-code van het scherm); toekomstbeelden: "
            f"{_e(', '.join(names.get(x, x) for x in e.scenarios) or 'geen')}"
            + (f". <span class='noot'>{_e(e.notes)}</span>" if e.notes else "") + "</li>"
            for e in snapshot.evenings)
        evening_head = (f"Avonden (uit het register van de gemeente): {len(snapshot.evenings)}, "
                        f"met samen {sum(e.visitors for e in snapshot.evenings)} bezoekers")
    else:
        evenings = table.groupby(table["aangemaakt"].map(lambda t: _local(t).date())).size()
        evening_items = "".join(f"<li>{d:%d-%m-%Y}: {n} reacties aan de tafel</li>"
                                for d, n in evenings.items()) or "<li>geen</li>"
        evening_head = ("Avonden met een tafel (afgeleid uit reacties via de tafel): "
                        f"{len(evenings)}")
    # what moderators did (imports hide what OpenStad deleted; that is not a moderator's act)
    actions = pd.Series([e.action for e in snapshot.audit
                         if e.actor not in _NOT_MODERATORS], dtype=object).value_counts()
    mode = ("achteraf: reacties staan direct op de kaart en moderatoren halen weg wat niet "
            "mag" if cfg.moderation == "post" else
            "vooraf: een moderator keurt elke reactie goed voordat die op de kaart komt")
    return f"""
<section id='werkwijze'>
<h2>2. Werkwijze</h2>
<p>Periode: {_e(period)}.</p>
<p>Kanalen:</p><ul>{channel_items or '<li>geen</li>'}</ul>
<p>{_e(evening_head)}</p>
<ul>{evening_items}</ul>
<p>Moderatie: {_e(mode)}. Na {cfg.report_threshold} meldingen gaat een reactie van de kaart tot
een moderator besluit. Moderatoren namen {int(actions.get('hide', 0))} keer een reactie van de
kaart, zetten er {int(actions.get('restore', 0))} terug en keurden er
{int(actions.get('approve', 0))} goed; elke actie staat met reden in het logboek.</p>
<p>Privacy: er zijn geen namen, e-mailadressen of IP-adressen opgeslagen. Reacties worden
{cfg.privacy.retention_days} dagen bewaard; {int((frame['status'] == 'erased').sum())} reacties
zijn op verzoek of na de bewaartermijn gewist en tellen in dit verslag mee zonder inhoud.</p>
</section>"""


def _table(frame: pd.DataFrame, *, cls: str = "", index_name: str = "") -> str:
    head = "".join(f"<th scope='col'>{_e(c)}</th>" for c in [index_name, *frame.columns])
    rows = []
    for index, row in frame.iterrows():
        label = " · ".join(map(str, index)) if isinstance(index, tuple) else index
        cells = "".join(f"<td>{_e(v)}</td>" for v in row)
        rows.append(f"<tr><th scope='row'>{_e(label)}</th>{cells}</tr>")
    body = "".join(rows)
    return f"<table class='{cls}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _who(frame: pd.DataFrame, buurten: pd.DataFrame | None) -> str:
    from omgeving.outputs.analysis import counts

    per_channel = counts(frame, "kanaal").rename(index=CHANNEL_NL)
    parts = [f"""
<section id='deelname'>
<h2>3. Wie deed mee</h2>
<h3>Per kanaal</h3>
{_table(per_channel, cls='kanalen', index_name='kanaal')}"""]
    if buurten is not None:
        shown = buurten[["buurtnaam", "inwoners", "reacties", "deelnemers",
                         "deelnemers_per_1000", "ondervertegenwoordigd"]]
        rows = []
        for _, b in shown.iterrows():
            mark = " class='onder'" if b["ondervertegenwoordigd"] else ""
            rows.append(
                f"<tr{mark}><th scope='row'>{_e(b['buurtnaam'])}</th>"
                f"<td>{_e(b['inwoners'])}</td><td>{b['reacties']}</td><td>{b['deelnemers']}</td>"
                f"<td>{_e(b['deelnemers_per_1000'])}</td>"
                f"<td>{'ja' if b['ondervertegenwoordigd'] else ''}</td></tr>")
        outside = int((frame["buurtcode"] == "").sum())
        parts.append(f"""
<h3>Per buurt, tegen het aantal inwoners</h3>
<p>Een buurt is <em>ondervertegenwoordigd</em> als er minder dan de helft zoveel mensen per
1000 inwoners meededen als in de hele gemeente. Daar is in een volgende ronde extra aandacht
nodig. {outside} reacties liggen buiten een buurt of hebben geen plek (meer).</p>
<table class='buurten'><thead><tr><th scope='col'>buurt</th><th scope='col'>inwoners</th>
<th scope='col'>reacties</th><th scope='col'>deelnemers</th>
<th scope='col'>per 1000 inwoners</th><th scope='col'>onder&shy;vertegenwoordigd</th>
</tr></thead><tbody>{''.join(rows)}</tbody></table>""")
    parts.append("</section>")
    return "".join(parts)


def _what(project: Project, frame: pd.DataFrame, figures) -> str:
    from omgeving.outputs.analysis import top_agreed

    said = frame[frame["thema"] != ""]
    by_scenario = pd.crosstab(said["thema"], said["scenario_naam"].replace("", "geen"))
    top = top_agreed(frame, TOP_AGREED)
    top_rows = "".join(
        f"<tr><td>{r.instemmingen}</td><td>{_e(r.thema)}</td><td>{_e(r.buurtnaam)}</td>"
        f"<td class='tekst'>{_e(r.tekst)}</td></tr>" for r in top.itertuples())
    return f"""
<section id='inhoud'>
<h2>4. Wat is er gezegd</h2>
<h3>Per thema</h3>
<figure>{figures.to_svg(figures.theme_chart(frame, project))}
<figcaption>Reacties per thema; grijs: niet (meer) op de kaart.</figcaption></figure>
<h3>Per thema en toekomstbeeld</h3>
{_table(by_scenario, cls='kruis', index_name='thema')}
<h3>Stemming</h3>
<figure>{figures.to_svg(figures.sentiment_chart(frame))}
<figcaption>Hoe positief of negatief reacties zijn, voor wie dat aangaf.</figcaption></figure>
<h3>De {len(top)} reacties waarmee het meest is ingestemd</h3>
<table class='top'><thead><tr><th scope='col'>instemmingen</th><th scope='col'>thema</th>
<th scope='col'>buurt</th><th scope='col'>reactie</th></tr></thead>
<tbody>{top_rows}</tbody></table>
</section>"""


def _concerns(project: Project, found: Analysis, figures) -> str:
    """Section "Wat speelde er": the concerns (map, table with their reactions' ids), hotspots."""
    from omgeving.analysis.hotspots import hotspots

    reactions = found.reactions
    by_id = reactions.set_index("id")
    rows = []
    for c in found.concerns:
        part = by_id.loc[list(c.ids)]
        moods = pd.to_numeric(part["sentiment"], errors="coerce")
        places = ", ".join(_e(b) for b in part["buurtnaam"].replace("", pd.NA).dropna()
                           .value_counts().index[:3])
        channels = ", ".join(f"{_e(k)} {n}" for k, n in part["kanaal"].value_counts().items())
        rows.append(
            f"<tr><td>{c.number + 1}</td><td>{_e(c.label)}</td><td>{c.size}</td>"
            f"<td>{int(part['instemmingen'].sum())}</td>"
            f"<td>{int((moods < 0).sum())} − / {int((moods == 0).sum())} 0 / "
            f"{int((moods > 0).sum())} +</td><td>{places}</td><td>{channels}</td>"
            f"<td class='tekst'>“{_e(by_id.loc[c.representative, 'tekst'])}”</td>"
            f"<td class='ids'>{' '.join(_e(i[:8]) for i in c.ids)}</td></tr>")
    table = (
        "<table class='zorgen'><thead><tr><th scope='col'>nr</th><th scope='col'>zorg</th>"
        "<th scope='col'>reacties</th><th scope='col'>eens</th><th scope='col'>stemming</th>"
        "<th scope='col'>buurten</th><th scope='col'>kanalen</th>"
        "<th scope='col'>voorbeeld</th><th scope='col'>reacties (id)</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows else "<p>Er zijn (nog) geen groepen van vijf of meer gelijke reacties.</p>"
    )
    concern_figure = ""
    if found.concerns:
        where = figures.to_png_data_uri(figures.concern_map(reactions, found.concerns, project))
        concern_figure = (f"<figure><img src='{where}' alt='Kaart van de zorgen, met hun nummer'>"
                          "<figcaption>De zorgen op de kaart: elke kleur is een zorg, het nummer "
                          "staat in de tabel; grijs: reacties buiten een zorg.</figcaption>"
                          "</figure>")
    spots = []
    if "buurten" in project.layer_names() and len(reactions):
        buurten = project.read_layer("buurten")
        for theme in project.config.themes:
            for h in hotspots(buurten, reactions, theme=theme):
                spots.append(f"<tr><td>{_e(theme)}</td><td>{_e(h.buurtnaam)}</td>"
                             f"<td>{_e(h.kind)}</td><td>{h.z:.1f}</td><td>{h.p:.3f}</td>"
                             f"<td>{len(h.ids)}</td></tr>")
    spot_table = (
        "<table class='hotspots'><thead><tr><th scope='col'>thema</th><th scope='col'>buurt</th>"
        "<th scope='col'>wat</th><th scope='col'>z</th><th scope='col'>p</th>"
        f"<th scope='col'>reacties</th></tr></thead><tbody>{''.join(spots)}</tbody></table>"
        if spots else "<p>Geen buurt valt significant op (p ≤ 0,05).</p>"
    )
    return f"""
<section id='zorgen'>
<h2>Wat speelde er</h2>
<p>{len(reactions)} reacties, {found.distinct} verschillende punten: gelijke teksten,
hetzelfde gezegd op dezelfde plek en reacties die een medewerker aan elkaar koppelde tellen als
één punt{_linked(found)}. Een zorg is een groep reacties over
hetzelfde op dezelfde plek; de naam bestaat uit woorden uit de reacties zelf en het voorbeeld
is letterlijk een van de reacties. De reacties van elke zorg staan erbij (id), in de bijlage
staat bij elke reactie haar zorg. De teksten zijn op deze computer gelezen door een klein
taalmodel (multilingual-e5-small); er ging niets naar buiten.</p>
{concern_figure}
{table}
<h3>Waar valt een thema op?</h3>
<p>Buurten waar met hun buren samen duidelijk meer reacties per inwoner vallen ("meer"), of
een groter deel negatief ("negatiever"), dan toeval zou geven (Getis-Ord Gi*, p ≤ 0,05).</p>
{spot_table}
</section>"""


def _linked(found: Analysis) -> str:
    """Say how many pairs staff linked, where any were."""
    n = int((found.pairs["kind"] == "beheer").sum()) if len(found.pairs) else 0
    return "" if not n else f" ({n} {'koppeling' if n == 1 else 'koppelingen'} door medewerkers)"


_AGE_NL = {"0-14": "jonger dan 15", "15-24": "15 tot 25", "25-44": "25 tot 45",
           "45-64": "45 tot 65", "65+": "65 of ouder"}
_RELATION_NL = {"woont": "woont hier", "werkt": "werkt hier", "bezoekt": "komt op bezoek"}


def _heard(project: Project, snapshot: Snapshot) -> str:
    """Section "Wie hoorden we (niet)": background answers against the CBS kerncijfers."""
    from omgeving.analysis.representation import representation

    buurten = project.read_layer("buurten") if "buurten" in project.layer_names() else None
    rep = representation(snapshot.profiles, buurten)
    participants = len({r.participant for r in snapshot.reactions if r.participant})
    asked = project.config.background
    if not asked:
        intro = ("<p>Dit project stelde geen vragen over wie meedeed (<code>[project] "
                 "background = []</code>).</p>")
    else:
        intro = (f"<p>Na hun eerste reactie konden deelnemers kort zeggen hoe oud ze zijn en of "
                 f"ze hier wonen, werken of op bezoek komen. Dat mocht ook niet. "
                 f"{rep.answered} keer kwam er een antwoord, bij {participants} deelnemers. De "
                 "antwoorden zijn apart van de reacties bewaard, zonder naam of deelnemercode: "
                 "ze zeggen niets over één reactie.</p>")
    rows = []
    has_people = "per_1000" in rep.table.columns
    for band, row in rep.table.iterrows():
        mark = " class='onder'" if band in rep.under else ""
        cells = [f"<th scope='row'>{_e(_AGE_NL[str(band)])}</th>",
                 f"<td>{int(row['antwoorden'])}</td>", f"<td>{_pct(row['aandeel'])}</td>"]
        if has_people:
            cells += [f"<td>{int(row['inwoners'])}</td>",
                      f"<td>{_pct(row['aandeel_inwoners'])}</td>",
                      f"<td>{_num(row['per_1000'])}</td>",
                      f"<td>{'ja' if band in rep.under else ''}</td>"]
        rows.append(f"<tr{mark}>{''.join(cells)}</tr>")
    head = ("<th scope='col'>leeftijd</th><th scope='col'>antwoorden</th>"
            "<th scope='col'>aandeel</th>")
    if has_people:
        head += ("<th scope='col'>inwoners</th><th scope='col'>aandeel inwoners</th>"
                 "<th scope='col'>per 1000 inwoners</th>"
                 "<th scope='col'>onder&shy;vertegenwoordigd</th>")
    if rep.score is None:
        verdict = ("<p>Er zijn (nog) te weinig antwoorden of geen kerncijfers per leeftijd om "
                   "een representatiescore te geven.</p>")
    else:
        named = ", ".join(_AGE_NL[b] for b in rep.under)
        verdict = (f"<p class='score'><strong>Representatiescore: {_num(rep.score, 2)}</strong> "
                   "(het laagste aantal per 1000 inwoners gedeeld door het hoogste; 1 is "
                   "iedereen even goed gehoord). "
                   + (f"Weinig gehoord: <strong>{_e(named)}</strong> (minder dan de helft van "
                      "de best gehoorde groep). Zoek deze groepen in een volgende ronde op."
                      if rep.under else "Geen leeftijdsgroep bleef ver achter.")
                   + "</p>")
    ties = ", ".join(f"{_RELATION_NL[k]} {n}" for k, n in rep.relations.items())
    return f"""
<section id='gehoord'>
<h3>Wie hoorden we, en wie niet</h3>
{intro}
<table class='leeftijden'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>
{verdict}
<p>Binding met het gebied (meer dan één kon): {_e(ties)}.</p>
</section>"""


def _pct(value: object) -> str:
    number = pd.to_numeric(value, errors="coerce")
    return "" if pd.isna(number) else f"{100 * float(number):.0f}%"


def _num(value: object, decimals: int = 1) -> str:
    """Return a number the Dutch way (a decimal comma), or nothing for a missing one."""
    number = pd.to_numeric(value, errors="coerce")
    return "" if pd.isna(number) else f"{float(number):.{decimals}f}".replace(".", ",")


def _maps(project: Project, frame: pd.DataFrame, figures) -> str:
    where = figures.to_png_data_uri(figures.matplotlib_reaction_map(frame, project))
    density = figures.to_png_data_uri(figures.density_map(frame, project))
    return f"""
<section id='kaarten' class='nieuwe-pagina'>
<h3>Waar</h3>
<figure><img src='{where}' alt='Kaart van de zichtbare reacties, gekleurd per thema'>
<figcaption>De zichtbare reacties op de kaart, per thema.</figcaption></figure>
<figure><img src='{density}' alt='Dichtheidskaart van alle reacties met een plek'>
<figcaption>Waar het meest gereageerd is (alle reacties met een plek, per vak).</figcaption>
</figure>
</section>"""


def _responses(project: Project, responses: list[Response], snapshot: Snapshot,
               found: Analysis, round_slug: str | None) -> str:
    """Section 5: per theme and concern, what was said, the response, what changed, the ids."""
    from omgeving.cycle import responses_for

    reactions = snapshot.reactions
    answered = {r.id for r in reactions if responses_for(r, responses)}
    open_n = len(reactions) - len(answered)
    parts = [f"<p data-count='answered'>Van de {len(reactions)} reacties kregen "
             f"<strong>{len(answered)}</strong> een antwoord van de gemeente (op het thema, de "
             f"zorg of de reactie zelf); <span data-count='not-yet'>{open_n}</span> nog geen "
             "reactie. Bij elke reactie staat in de bijlage welk antwoord ze kreeg.</p>"]
    if project.config.rounds and round_slug is None:
        parts.append(_per_round(project, reactions, answered))
    for theme in project.config.themes:
        said = [r for r in reactions if r.theme == theme]
        mine = [r for r in responses if r.kind == "theme" and r.target == theme]
        moods = pd.Series([r.sentiment for r in said if r.sentiment is not None], dtype=float)
        what = (f"<p class='gezegd'>Gezegd: {len(said)} reacties ({int((moods < 0).sum())} "
                f"negatief, {int((moods > 0).sum())} positief).</p>" if said else "")
        body = "".join(_chain(r) for r in mine) or (
            "<p class='open'>De gemeente heeft hierop nog niet gereageerd.</p>")
        parts.append(f"<h3>{_e(theme)}</h3>{what}{body}")
    concern_responses = [r for r in responses if r.kind == "concern"]
    if concern_responses:
        parts.append("<h3>Zorgen uit de analyse</h3>")
        for r in concern_responses:
            parts.append(f"<h4>Zorg: {_e(r.target)}</h4>" + _chain(r, with_ids=True))
    single = [r for r in responses if r.kind == "reaction"]
    if single:
        parts.append(f"<p>{len(single)} antwoorden op afzonderlijke reacties staan in de "
                     "bijlage, bij die reacties.</p>")
    return f"""
<section id='antwoord' class='nieuwe-pagina'>
<h2>5. Wat de gemeente ermee doet</h2>
{''.join(parts)}
</section>"""


def _chain(r: Response, *, with_ids: bool = False) -> str:
    """One response: the verdict, the text, what it changed, and (a concern's) the ids."""
    verdict = r.verdict or "zonder oordeel"
    changed = (f"<p class='veranderd'>Wat veranderde: {_e(', '.join(r.changes))}</p>"
               if r.changes else "")
    ids = (f"<p class='ids'>Reacties ({len(r.ids)}): {_e(' '.join(i[:8] for i in r.ids))}</p>"
           if with_ids and r.ids else "")
    return (f"<div class='keten' data-verdict='{_e(r.verdict)}'><p><strong>"
            f"{_e(verdict[:1].upper() + verdict[1:])}</strong>: {_e(r.text)}</p>{changed}{ids}"
            "</div>")


def _per_round(project: Project, reactions: list, answered: set[str]) -> str:
    """Every reaction exactly once, in the round it was given in, with how many got an answer."""
    rows = []
    for slug, title, period in [*((r.slug, r.title, f"{day_text(r.start)} – {day_text(r.end)}")
                                  for r in project.config.rounds), (None, "zonder ronde", "")]:
        mine = [x for x in reactions if x.round == slug]
        if slug is None and not mine:
            continue
        got = sum(1 for x in mine if x.id in answered)
        rows.append(f"<tr data-round='{_e(slug or '')}'><th scope='row'>{_e(title)}</th>"
                    f"<td>{_e(period)}</td><td>{len(mine)}</td><td>{got}</td>"
                    f"<td>{len(mine) - got}</td></tr>")
    total = len(reactions)
    rows.append(f"<tr><th scope='row'>totaal</th><td></td><td data-count='rounds-total'>{total}"
                f"</td><td>{sum(1 for x in reactions if x.id in answered)}</td>"
                f"<td>{total - sum(1 for x in reactions if x.id in answered)}</td></tr>")
    return ("<table class='rondes'><thead><tr><th scope='col'>ronde</th><th scope='col'>periode"
            "</th><th scope='col'>reacties</th><th scope='col'>met antwoord</th>"
            f"<th scope='col'>nog geen reactie</th></tr></thead><tbody>{''.join(rows)}</tbody>"
            "</table>")


def _annex(frame: pd.DataFrame, responses: list[Response], snapshot: Snapshot,
           found: Analysis) -> str:
    from omgeving.cycle import responses_for

    by_id = {r.id: r for r in snapshot.reactions}
    concern = {rid: int(g) + 1 for rid, g in zip(found.reactions["id"], found.reactions["zorg"],
                                                  strict=True) if g >= 0}
    rows = []
    for r in frame.sort_values("aangemaakt").itertuples():
        status = STATUS_NL.get(r.status, r.status)
        reason = f"<br><span class='reden'>reden: {_e(r.reden)}</span>" if r.reden else ""
        got = responses_for(by_id[r.id], responses) if r.id in by_id else []
        answer_html = ("".join(f"<br><span class='antwoord'>gemeente ({_e(a.verdict or 'antwoord')}"
                               f", {_e(_KIND_NL[a.kind])}): {_e(a.text)}</span>" for a in got)
                       or "<br><span class='open'>nog geen reactie</span>")
        sentiment = "" if pd.isna(r.sentiment) else int(r.sentiment)
        rows.append(
            f"<tr data-status='{_e(r.status)}'><td class='id'>{_e(r.id[:8])}</td>"
            f"<td>{_e(_date(r.aangemaakt))}"
            f"{'<br>ronde ' + _e(r.ronde) if r.ronde else ''}</td><td>{_e(r.kanaal)}</td>"
            f"<td>{_e(status)}{reason}</td><td>{_e(r.thema)}</td><td>{_e(r.scenario_naam)}</td>"
            f"<td>{_e(r.buurtnaam)}</td><td>{sentiment}</td>"
            f"<td class='tekst'>{_e(r.tekst)}{answer_html}</td><td>{concern.get(r.id, '')}</td>"
            f"<td>{r.instemmingen}</td><td>{r.meldingen}</td></tr>")
    return f"""
<section id='bijlage' class='nieuwe-pagina'>
<h2>Bijlage: alle {len(frame)} reacties</h2>
<p>Elke reactie die ooit is ingediend, in volgorde van binnenkomst, met haar status en de reden
van de laatste moderatie. Gewiste reacties staan er zonder inhoud in. Het logboek van de
moderatie telt {len(snapshot.audit)} acties.</p>
<table class='bijlage'><colgroup><col style='width:8%'><col style='width:9%'>
<col style='width:7%'><col style='width:10%'><col style='width:9%'><col style='width:9%'>
<col style='width:10%'><col style='width:5%'><col style='width:21%'><col style='width:4%'>
<col style='width:4%'><col style='width:4%'></colgroup>
<thead><tr><th scope='col'>id</th><th scope='col'>datum</th>
<th scope='col'>kanaal</th><th scope='col'>status</th><th scope='col'>thema</th>
<th scope='col'>toekomst&shy;beeld</th><th scope='col'>buurt</th><th scope='col'>stem&shy;ming</th>
<th scope='col'>reactie</th><th scope='col'>zorg</th><th scope='col'>eens</th>
<th scope='col'>meld.</th></tr></thead><tbody>{''.join(rows)}</tbody></table>
<p class='noot' data-count='annex'>De bijlage telt {len(frame)} reacties, gelijk aan de opslag
op {_e(_date(snapshot.taken))}.</p>
</section>"""


_PAGE = """<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
@page {{ size: A4; margin: 18mm 16mm; }}
body {{ font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; line-height: 1.45;
  color: #1a1a1a; max-width: 60em; margin: 0 auto; padding: 1em; }}
h1 {{ font-size: 22pt; margin-bottom: 0; }} .sub {{ font-size: 14pt; margin-top: 0.2em; }}
h2 {{ font-size: 15pt; border-bottom: 2px solid #1f5fa8; padding-bottom: 2px; margin-top: 1.6em; }}
h3 {{ font-size: 12pt; margin-top: 1.2em; break-after: avoid; }}
h2 {{ break-after: avoid; }}
table {{ border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; }}
th, td {{ border-bottom: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }}
thead {{ display: table-header-group; }} tr {{ break-inside: avoid; }}
table.kern {{ width: auto; }} table.kern td {{ text-align: right; font-weight: bold; }}
table.bijlage {{ font-size: 7.5pt; table-layout: fixed; }}
table.bijlage th, table.bijlage td {{ padding: 2px 3px; overflow-wrap: break-word; hyphens: auto; }}
td.tekst {{ white-space: pre-wrap; overflow-wrap: anywhere; }}
td.id {{ font-family: monospace; }}
tr.onder th, tr.onder td {{ background: #fde7d9; }}
.reden, .antwoord {{ color: #555; font-style: italic; }} .open {{ color: #8a1c00; }}
.noot {{ color: #444; font-size: 9pt; }} .let-op {{ color: #8a1c00; }}
figure {{ margin: 0.5em 0 1em; break-inside: avoid; }} figure svg, figure img {{ max-width: 100%;
  height: auto; }} figcaption {{ font-size: 9pt; color: #444; }}
.nieuwe-pagina {{ break-before: page; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


# -- files and printing ------------------------------------------------------------------------


def _chromium() -> str:
    found = settings.chromium_path()
    if found is None:
        raise OmgevingError("the PDF is printed by Chromium, which is not installed; install it "
                            "(apt-get install chromium) or set CHROMIUM_PATH, or write only the "
                            "HTML with --no-pdf")
    return found


def _print_pdf(chromium: str, html_path: Path, pdf_path: Path) -> None:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium (atomically)."""
    with atomic_path(pdf_path, exists=False) as tmp, tempfile.TemporaryDirectory(
        prefix="omgeving-chromium-"
    ) as profile:
        args: list[str] = [
            chromium, "--headless", "--disable-gpu", "--no-first-run",
            f"--user-data-dir={profile}", "--no-pdf-header-footer",
            f"--print-to-pdf={tmp}", html_path.resolve().as_uri(),
        ]
        if os.geteuid() == 0:  # Chromium refuses to run as root with its sandbox
            args = [*args[:1], "--no-sandbox", *args[1:]]
        try:
            done = subprocess.run(list(args), capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired as err:
            raise OmgevingError(f"Chromium did not finish printing {html_path} in 5 minutes"
                                ) from err
        if done.returncode or not tmp.exists() or tmp.stat().st_size == 0:
            detail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise OmgevingError(f"Chromium could not print {html_path} to PDF: {detail}")
