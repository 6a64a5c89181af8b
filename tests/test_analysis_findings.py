"""Issue 13: duplicates, concerns, theme suggestions and hotspots, on small cases and bad input.

The quality on a realistic set is ``tests/test_analysis_quality.py``; here each finding's
rules: what counts as a duplicate and what never does, labels made of the reactions' own
words, suggestions only where a resident chose nothing, an embedding cache that embeds only
what is new, and hostile input that gives a result, never a traceback.
"""

from __future__ import annotations

import numpy as np
import pytest

from omgeving.analysis import _embed
from omgeving.analysis._embed import embed
from omgeving.analysis._text import words
from omgeving.analysis.concerns import find_concerns
from omgeving.analysis.duplicates import duplicate_groups, duplicate_pairs
from omgeving.analysis.hotspots import hotspots
from omgeving.analysis.themes import suggest_themes
from tests.xss import PAYLOADS

THEMES = ("wonen", "mobiliteit", "natuur & landschap", "energie", "voorzieningen")
PETITION = ("Wij willen geen zonnepark op de es bij Brinkhaar. Het open landschap is van ons "
            "allemaal en hoort bij het dorp.")


def pairs_of(texts, xy=None):
    ids = [f"r{i}" for i in range(len(texts))]
    found = duplicate_pairs(texts, embed(texts), xy, ids)
    return {(a, b): kind for a, b, kind in zip(found["a"], found["b"], found["kind"], strict=True)}


def test_copies_petitions_and_same_place_wishes_are_duplicates_a_no_is_not():
    texts = [
        PETITION,
        "Ik ben het eens met: " + PETITION,
        PETITION.replace("allemaal", "allemaal!!"),
        "meer woningen voor starters in Eskerlo",
        "geen woningen meer in Eskerlo, het is vol",
        "Graag een zebrapad bij de basisschool aan de Markerweg",
        "graag zebrapad bij basisschool markerweg!!",
        "Graag een zebrapad bij de basisschool aan de Markerweg",
    ]
    xy = np.array([[0, 0], [5000, 0], [0, 9000], [0, 0], [10, 0], [100, 100], [120, 90],
                   [6000, 6000]], dtype=float)
    found = pairs_of(texts, xy)
    assert found[("r0", "r1")] == "tekst" and found[("r0", "r2")] == "tekst"  # anywhere
    assert ("r3", "r4") not in found  # "meer woningen" is not "geen woningen"
    assert ("r5", "r7") in found  # the same text, elsewhere: a copy still
    groups = duplicate_groups([f"r{i}" for i in range(len(texts))], _frame(found))
    assert groups["r1"] == groups["r2"] == "r0"
    assert groups["r3"] == "r3" and groups["r4"] == "r4"


def _frame(found):
    import pandas as pd

    return pd.DataFrame([(a, b, k) for (a, b), k in found.items()], columns=["a", "b", "kind"])


def test_concern_labels_use_the_reactions_own_words_and_cite_them():
    texts = [
        "Meer bankjes langs de Ravel", "bankjes bij het pad langs de ravel zou mooi zijn",
        "Een bankje bij de brug over de Ravel graag", "zitbankjes langs de Ravel aub",
        "bankjes en prullenbakken langs de Ravel",
        "Er wordt te hard gereden op de Rijksweg", "rijksweg: veel te hard gereden, drempels!",
        "snelheid op de Rijksweg omlaag", "Rijksweg is gevaarlijk, te hard gereden",
        "hard rijden op de rijksweg moet stoppen",
    ]
    xy = np.array([[0, 0]] * 5 + [[8000, 8000]] * 5, dtype=float)
    ids = [f"r{i}" for i in range(len(texts))]
    labels, concerns = find_concerns(texts, embed(texts), xy, ids, min_size=4)
    assert len(concerns) == 2
    for concern in concerns:
        said = {w for i in concern.ids for w in words(texts[ids.index(i)])}
        assert concern.words and set(concern.words) <= said, (concern.words, said)
        assert concern.representative in concern.ids
        assert len(set(labels[[ids.index(i) for i in concern.ids]])) == 1
    assert {frozenset(c.ids) for c in concerns} == {frozenset(ids[:5]), frozenset(ids[5:])}


def test_a_theme_is_suggested_only_where_none_was_chosen():
    texts = ["meer woningen voor jonge mensen", "een fietspad naar school", "windmolens nee",
             "huizen voor starters bouwen", "de bus rijdt te weinig", "zonnepanelen op daken"]
    chosen = ["wonen", "mobiliteit", "energie", None, "overig", ""]
    ids = [f"r{i}" for i in range(len(texts))]
    made = suggest_themes(texts, embed(texts), chosen, ids, (*THEMES, "overig"))
    assert [s.id for s in made] == ["r3", "r4", "r5"]  # never over a resident's choice
    assert {s.id: s.theme for s in made} == {"r3": "wonen", "r4": "mobiliteit", "r5": "energie"}
    for s in made:
        assert 0 < s.probability <= 1 and len(s.next) == 2
        assert s.probability >= max(p for _, p in s.next)


def test_the_cache_embeds_only_what_is_new(tmp_path, monkeypatch):
    cache = tmp_path / "embeddings.npz"
    first = embed([f"reactie nummer {i} over de Ravel" for i in range(30)], cache)
    asked = []
    real = _embed._model

    class Counting:
        def query(self, texts):
            asked.extend(texts)
            return real().query(texts)

    monkeypatch.setattr(_embed, "_model", lambda: Counting())
    texts = [f"reactie nummer {i} over de Ravel" for i in range(40)]
    again = embed(texts, cache)
    assert len(asked) == 10  # the 30 known came from the cache
    assert np.allclose(again[:30], first, atol=2e-3)  # float16 in the cache
    cache.write_bytes(b"not a cache")  # broken: embedded again, then a good one written
    assert embed(texts[:3], cache).shape == (3, _embed.DIM)


@pytest.mark.parametrize(
    "texts",
    [
        [],
        ["één reactie"],
        ["Graag meer groen"] * 12,
        ["", "   ", ""],
        ["x" * 1000, "asdf qwer " * 100, "🙂" * 300],
        PAYLOADS,
    ],
    ids=["none", "one", "all-identical", "empty", "nonsense", "xss"],
)
def test_hostile_input_gives_a_result(texts):
    ids = [f"r{i}" for i in range(len(texts))]
    vectors = embed(texts)
    xy = np.zeros((len(texts), 2))
    pairs = duplicate_pairs(texts, vectors, xy, ids)
    groups = duplicate_groups(ids, pairs)
    labels, concerns = find_concerns(texts, vectors, xy, ids)
    made = suggest_themes(texts, vectors, [None] * len(texts), ids, THEMES)
    assert len(labels) == len(texts) and set(groups) == set(ids)
    assert len(made) == len(texts)
    if texts == ["Graag meer groen"] * 12:
        assert set(groups.values()) == {"r0"}  # twelve times the same: one point
    for concern in concerns:
        assert "<" not in concern.label and set(concern.ids) <= set(ids)


def test_hotspots_find_the_buurten_with_many_reactions(project_copy):
    from omgeving.project import open_project

    buurten = open_project(project_copy).read_layer("buurten")
    codes = buurten["buurtcode"].tolist()
    rows = []
    for k, code in enumerate(codes):
        n = 40 if k in (0, 1, 2) else 2  # Eskerlo's first three buurten: many reactions
        rows += [{"id": f"{code}-{i}", "buurtcode": code, "thema": "wonen", "sentiment": 1}
                 for i in range(n)]
    import pandas as pd

    found = hotspots(buurten, pd.DataFrame(rows), permutations=199)
    hot = {h.buurtcode for h in found if h.kind == "meer"}
    assert hot and hot <= set(codes[:6]), (hot, codes[:6])
    for h in found:
        assert h.p <= 0.05 and all(i.startswith(h.buurtcode) for i in h.ids)
    assert hotspots(buurten, pd.DataFrame(rows[:0], columns=["id", "buurtcode", "thema",
                                                              "sentiment"])) == []


def test_omgeving_analyse_writes_a_geopackage_and_csv_for_gis_users(project_copy, capsys):
    import pyogrio

    from omgeving.cli import main
    from omgeving.project import open_project
    from tests.test_export import add

    project = open_project(project_copy)
    for i in range(6):
        add(project, ["Meer bankjes langs de Ravel", "bankjes langs de ravel graag",
                      "Een bankje bij de Ravel", "zitbankjes bij de Ravel",
                      "bankjes en afvalbakken langs de Ravel", PAYLOADS[0]][i],
            participant=f"p{i}", theme="natuur & landschap")
    add(project, PETITION, participant="p7", theme="energie")
    add(project, PETITION, participant="p8", theme="energie")
    assert main(["analyse", str(project_copy)]) == 0
    out = capsys.readouterr().out
    folder = project.exports_dir / "analyse"
    assert f"Written: {folder / 'analyse.gpkg'}" in out
    assert "8 reacties, 7 verschillende punten" in out
    layers = {name for name, _ in pyogrio.list_layers(folder / "analyse.gpkg")}
    assert layers == {"reacties", "zorgen"}
    rows = pyogrio.read_dataframe(folder / "analyse.gpkg", layer="reacties")
    assert {"dubbel_van", "zorg", "zorg_label", "thema_suggestie"} <= set(rows.columns)
    for name in ("zorgen.csv", "dubbelen.csv", "reacties.csv"):
        assert (folder / name).read_text(encoding="utf-8-sig").count(";") > 0
    assert (project_copy / "analyse" / "embeddings.npz").exists()  # the next run is quick


GROUPS = {  # three clear concerns, eight reactions each: a project analysed once
    "mobiliteit": [
        "Er wordt te hard gereden op de Rijksweg", "rijksweg: veel te hard gereden",
        "snelheid op de Rijksweg omlaag", "Rijksweg is gevaarlijk, te hard gereden",
        "hard rijden op de rijksweg moet stoppen", "drempels op de Rijksweg graag",
        "de Rijksweg is een racebaan geworden", "Rijksweg: auto's rijden veel te hard",
    ],
    "natuur & landschap": [
        "Meer bankjes langs de Ravel", "bankjes bij het pad langs de ravel",
        "Een bankje bij de brug over de Ravel graag", "zitbankjes langs de Ravel",
        "bankjes en prullenbakken langs de Ravel", "een bank aan de Ravel",
        "langs de Ravel kun je nergens zitten", "rustbankjes bij de Ravel",
    ],
    "energie": [
        "Geen zonnepark op de es bij Brinkhaar", "zonnepark op de es: nee",
        "Het zonnepark hoort niet op de es", "zonnepanelen op daken, niet op de es",
        "laat de es bij Brinkhaar open, geen zonnepark", "geen zonnepark bij Brinkhaar",
        "zonnepark Brinkhaar bederft het uitzicht", "de es is geen plek voor een zonnepark",
    ],
}
THEME_OF = {text: theme for theme, texts in GROUPS.items() for text in texts}


def _theme(theme):
    return {"theme": theme} if theme else {"theme": "", "channel": "papier"}  # none chosen


@pytest.fixture
def analysed(project_copy, monkeypatch):
    """A project with 24 reactions analysed once, and a list of the full runs made after."""
    from omgeving.analysis import run
    from omgeving.project import open_project
    from tests.test_export import add

    project = open_project(project_copy)
    for theme, texts in GROUPS.items():
        for k, text in enumerate(texts):
            add(project, text, participant=f"{theme}-{k}", **_theme(theme if k % 4 else ""))
    first = run.analyse(project)
    full_runs = []
    real = run._analyse_all

    def counted(reactions):
        full_runs.append(len(reactions.ids))
        return real(reactions)

    monkeypatch.setattr(run, "_analyse_all", counted)
    return project, first, full_runs


def test_a_new_copy_is_analysed_alone_and_found_as_a_full_run_finds_it(analysed):
    from omgeving.analysis.run import analyse
    from tests.test_export import add

    project, first, full_runs = analysed
    clustered = first.reactions[first.reactions["zorg"] >= 0]
    assert len(clustered) and (project.root / "analyse" / "state.npz").exists()
    original = clustered.iloc[0]
    copy = add(project, original["tekst"], participant="p99", **_theme(""))
    again = analyse(project)
    assert full_runs == []  # one new of 25: only it was analysed
    full = analyse(project, full=True)
    assert full_runs == [25]
    assert list(again.reactions.columns) == list(full.reactions.columns)
    for result in (again, full):
        row = result.reactions.set_index("id").loc[copy.id]
        assert row["dubbel_van"] == original["dubbel_van"]
        pairs = set(zip(result.pairs["a"], result.pairs["b"], result.pairs["kind"], strict=True))
        assert (original["id"], copy.id, "tekst") in pairs
        assert row["zorg_label"] == original["zorg_label"] != ""
        assert copy.id in {i for c in result.concerns for i in c.ids if c.number == row["zorg"]}
    suggested = [r.reactions.set_index("id").loc[copy.id, "thema_suggestie"] for r in (again, full)]
    assert suggested[0] == suggested[1] == THEME_OF[original["tekst"]]


@pytest.mark.parametrize("change", ["removed", "edited", "moved"])
def test_a_removed_edited_or_moved_reaction_makes_a_full_run(analysed, change):
    from shapely.geometry import Point

    from omgeving.analysis.run import analyse
    from omgeving.outputs.analysis import reactions_frame

    project, _, full_runs = analysed
    frame = reactions_frame(project)
    if change == "removed":
        frame = frame.iloc[1:]
    elif change == "edited":
        frame.loc[0, "tekst"] = "Toch liever een rotonde op de Rijksweg"
    else:
        x, y = frame.geometry.iloc[0].x, frame.geometry.iloc[0].y
        frame.loc[0, "geometry"] = Point(x + 0.01, y)
    result = analyse(project, frame)
    assert full_runs == [len(frame)]
    assert len(result.reactions) == len(frame)
    assert analyse(project, frame) and full_runs == [len(frame)]  # nothing new: reused


@pytest.mark.parametrize("broken", ["bytes", "half", "keys", "version"])
def test_a_broken_state_is_analysed_anew_never_a_traceback(analysed, broken):
    import json

    from omgeving.analysis._state import read_state
    from omgeving.analysis.run import analyse

    project, first, full_runs = analysed
    path = project.root / "analyse" / "state.npz"
    good = path.read_bytes()
    if broken == "bytes":
        path.write_bytes(b"not a state")
    elif broken == "half":
        path.write_bytes(good[: len(good) // 2])
    elif broken == "keys":
        np.savez(path, meta=np.array(json.dumps({"version": 1})))
    else:
        with np.load(path) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(str(arrays["meta"]))
        arrays["meta"] = np.array(json.dumps({**meta, "version": meta["version"] + 1}))
        np.savez(path, **arrays)
    assert read_state(path) is None
    result = analyse(project)
    assert full_runs == [24]
    assert result.reactions["zorg"].tolist() == first.reactions["zorg"].tolist()
    assert read_state(path) is not None  # a good one written again
