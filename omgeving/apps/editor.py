"""The scenario editor for planners in JupyterLab: draw an intervention, fill in the form, save.

The map shows the scenario's interventions coloured per function. Drawing a shape (a polygon,
or a marker for a wind turbine) starts a new intervention; clicking one loads it into the form
to change or delete it (a shape drawn then replaces its geometry). Every save goes through
:class:`omgeving.scenario.Scenario`, which checks everything in Python; its message appears in
the message line. A change the project check refuses stays in the editor, not in the file.

Examples
--------
>>> from omgeving.apps.editor import ScenarioEditor
>>> ScenarioEditor("demo-project", "energielandschap")  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import html
import json
import os
import warnings
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import ipywidgets as w
import pandas as pd
import shapely
from ipyleaflet import GeoJSON, GeomanDrawControl
from shapely.geometry.base import BaseGeometry

from omgeving._errors import OmgevingError, ValidationError
from omgeving.apps._mapview import ProjectMap, empty
from omgeving.i18n import t
from omgeving.project import RD, Project, open_project
from omgeving.scenario import FUNCTIONS, Function, Scenario, ScenarioWarning
from omgeving.web import read_manifest

__all__ = ["ScenarioEditor"]

#: The editor's texts (planners' tool; the scenario's own messages are in English).
_POINT_STYLE = {"radius": 8, "weight": 2, "fillOpacity": 0.9}


def _reported(handler: Callable[..., None]) -> Callable[..., None]:
    """Show an omgeving error of ``handler`` in the editor's message line."""

    @functools.wraps(handler)
    def run(self: ScenarioEditor, *args: Any, **kwargs: Any) -> None:
        try:
            handler(self, *args, **kwargs)
        except OmgevingError as err:
            self.say(str(err), error=True)

    return run


class ScenarioEditor:
    """A map with draw tools and a form to edit one scenario of a project.

    Parameters
    ----------
    project
        The project (or its folder); its web layers must be baked.
    scenario
        The scenario, or the slug of one in the project.
    height
        Height of the map.

    Attributes
    ----------
    widget
        The editor to display.
    """

    def __init__(
        self,
        project: Project | str | os.PathLike[str],
        scenario: Scenario | str,
        *,
        height: str = "70vh",
        lang: str = "nl",
    ) -> None:
        self.lang = lang
        self.project = project if isinstance(project, Project) else open_project(project)
        self.scenario = (
            scenario if isinstance(scenario, Scenario) else Scenario.load(self.project, scenario)
        )
        manifest = read_manifest(self.project.web_dir)
        self.colours: dict[str, str] = manifest.get("function_colors", {})
        self.pmap = ProjectMap(self.project.web_dir, manifest, height=height)
        self.pmap.map.layout.flex = "3 1 0%"
        self.layer = GeoJSON(data=empty(), name="ingrepen", point_style=_POINT_STYLE)
        self.layer.on_click(self._on_click)
        self.draw = self._draw_control()
        self.pmap.map.add(self.layer)
        self.pmap.map.add(self.draw)
        self.chosen: str | None = None  # naam of the intervention in the form
        self.geometry: BaseGeometry | None = None  # a drawn shape in RD, not saved yet
        self.message = w.HTML().add_class("omg-status")
        self.form = self._form()
        self.widget = w.HBox([self.pmap.map, self.form], layout=w.Layout(width="100%"))
        self._show_interventions()

    def _t(self, key: str, **values: object) -> str:
        return t(f"editor.{key}", self.lang, **values)

    def _label(self, function: Function) -> str:
        return function.label_nl if self.lang == "nl" else function.label_en

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _draw_control(self) -> GeomanDrawControl:
        draw = GeomanDrawControl(position="topleft")
        draw.polygon = {"pathOptions": {"color": "#000", "weight": 3}}
        draw.marker = {"markerStyle": {}}
        draw.polyline = draw.circlemarker = draw.circle = draw.rectangle = draw.text = {}
        draw.drag = draw.cut = draw.rotate = False
        draw.edit = draw.remove = True
        draw.on_draw(self._on_draw)
        return draw

    def _form(self) -> w.VBox:
        self.naam = w.Text(description=self._t("naam")).add_class("omg-naam")
        self.functie = w.Dropdown(
            options=[(f"{self._label(f)} ({name})", name) for name, f in FUNCTIONS.items()],
            description=self._t("functie"),
        ).add_class("omg-functie")
        self.functie.observe(self._on_functie, names="value")
        self.fields = {
            "woningen": w.IntText(value=0, description=self._t("woningen")),
            "mw": w.FloatText(value=0.0, description=self._t("mw")),
            "tiphoogte_m": w.FloatText(value=0.0, description=self._t("tiphoogte_m")),
        }
        self.save = w.Button(description=self._t("save"), button_style="primary", icon="save")
        self.delete = w.Button(description=self._t("delete"), button_style="danger", icon="trash")
        self.new = w.Button(description=self._t("new"), icon="plus")
        self.save.on_click(self._on_save)
        self.delete.on_click(self._on_delete)
        self.new.on_click(self._on_new)
        self._on_functie(None)
        heading = self._t("title", name=self.scenario.name)
        return w.VBox(
            [
                w.HTML(f"<h3>{html.escape(heading)}</h3><p>{html.escape(self._t('how'))}</p>"),
                self.naam,
                self.functie,
                *self.fields.values(),
                w.HBox([self.save, self.delete, self.new]),
                self.message,
                w.HTML(self._legend()),
            ],
            layout=w.Layout(flex="1 1 280px", padding="0 8px"),
        )

    def _legend(self) -> str:
        rows = (
            f"<div><span class='omg-swatch' style='background:{html.escape(colour)}'></span>"
            f"{html.escape(self._label(FUNCTIONS[name]))}</div>"
            for name, colour in self.colours.items()
            if name in FUNCTIONS
        )
        return "".join(rows)

    # -- showing ---------------------------------------------------------------------------

    def say(self, text: str, *, error: bool = False) -> None:
        """Show ``text`` (escaped) in the message line."""
        kind, role = ("omg-err", "alert") if error else ("omg-ok", "status")
        lines = "<br>".join(html.escape(line) for line in text.splitlines())
        self.message.value = f"<span class='{kind}' role='{role}'>{lines}</span>"

    def _show_interventions(self) -> None:
        frame = self.scenario.interventions
        frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
        data = json.loads(frame[["naam", "functie", "geometry"]].to_crs(4326).to_json(drop_id=True))
        for feature in data["features"]:
            props = feature["properties"]
            colour = self.colours.get(props["functie"], "#777777")
            weight = 5 if props["naam"] == self.chosen else 2
            props["style"] = {
                "color": colour,
                "fillColor": colour,
                "fillOpacity": 0.45,
                "weight": weight,
            }
        self.layer.data = data

    # -- handlers --------------------------------------------------------------------------

    def _on_functie(self, _change: dict[str, Any] | None) -> None:
        needed = {q.column for q in FUNCTIONS[self.functie.value].quantities}
        for column, field in self.fields.items():
            field.layout.display = "" if column in needed else "none"

    @_reported
    def _on_draw(self, _control: Any, action: str, geo_json: Any) -> None:
        if action == "remove":
            self.geometry = None
            return
        if action not in ("create", "edit") or not isinstance(geo_json, list) or not geo_json:
            return
        feature = geo_json[-1]
        self.geometry = None
        self.geometry = _to_rd(feature.get("geometry") if isinstance(feature, dict) else None)
        if len(geo_json) > 1:  # keep one shape: the last one drawn
            self.draw.data = [feature]
        point = self.geometry.geom_type == "Point"
        fitting = [name for name, function in FUNCTIONS.items() if function.point == point]
        if self.functie.value not in fitting:  # a marker is a turbine, an area is not
            self.functie.value = fitting[0]
        if point:
            self.say(self._t("drawn_point"))
        else:
            self.say(self._t("drawn", hectare=self.geometry.area / 1e4))

    @_reported
    def _on_click(self, **event: Any) -> None:
        naam = (event.get("properties") or {}).get("naam")
        rows = self.scenario.interventions
        match = rows[rows["naam"] == naam] if isinstance(naam, str) else rows.iloc[:0]
        if match.empty:
            raise ValidationError(self._t("unknown"))
        row = match.iloc[0]
        self.chosen, self.geometry = naam, None
        self.draw.clear()
        self.naam.value = naam
        if row.functie in FUNCTIONS:
            self.functie.value = row.functie
        self.fields["woningen"].value = int(row.woningen)
        self.fields["mw"].value = float(row.mw)
        self.fields["tiphoogte_m"].value = 0.0 if pd.isna(row.tiphoogte_m) else row.tiphoogte_m
        self._show_interventions()
        self.say(self._t("editing", naam=naam))

    @_reported
    def _on_save(self, _button: Any) -> None:
        naam = self.naam.value.strip()
        self._change(lambda: self._apply_form(naam), self._t("saved", naam=naam))

    def _apply_form(self, naam: str) -> None:
        """Add the drawn shape with the form's values, or change the chosen intervention."""
        functie = self.functie.value
        quantities = {q.column: self.fields[q.column].value for q in FUNCTIONS[functie].quantities}
        if self.chosen is None:
            if self.geometry is None:
                raise ValidationError(self._t("nothing_drawn"))
            self.scenario.add(naam, functie, self.geometry, **quantities)
        else:
            changes: dict[str, Any] = {"naam": naam, "functie": functie, **quantities}
            if self.geometry is not None:
                changes["geometry"] = self.geometry
            self.scenario.update(self.chosen, **changes)
        self.chosen = naam

    @_reported
    def _on_delete(self, _button: Any) -> None:
        if self.chosen is None:
            raise ValidationError(self._t("nothing_chosen"))
        self._change(self._remove, self._t("deleted", naam=self.chosen))

    def _remove(self) -> None:
        if self.chosen is None:
            raise ValidationError(self._t("nothing_chosen"))
        self.scenario.remove(self.chosen)
        self._clear()

    @_reported
    def _on_new(self, _button: Any) -> None:
        self._clear()
        self._show_interventions()
        self.say(self._t("how"))

    def _clear(self) -> None:
        self.chosen = self.geometry = None
        self.naam.value = ""
        for field in self.fields.values():
            field.value = 0
        self.draw.clear()

    def _change(self, edit: Callable[[], None], done: str) -> None:
        """Run ``edit`` on the scenario, show it, save it; report its warnings and refusals."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ScenarioWarning)
            edit()
            self.geometry = None
            self.draw.clear()
            self._show_interventions()
            try:
                self.scenario.save(self.project)
            except ValidationError as err:
                raise ValidationError(self._t("not_saved", error=err)) from err
            finally:
                notes = [str(c.message) for c in caught if c.category is ScenarioWarning]
                for other in (c for c in caught if c.category is not ScenarioWarning):
                    warnings.warn(other.message, other.category, stacklevel=2)
        self.say("\n".join([done, *dict.fromkeys(notes)]))


def _to_rd(geometry: Any) -> BaseGeometry:
    """Return the GeoJSON ``geometry`` a browser sent (lon/lat) in EPSG:28992."""
    try:
        lonlat = shapely.geometry.shape(geometry)
    except (shapely.errors.ShapelyError, AttributeError, KeyError, TypeError, ValueError) as err:
        raise ValidationError(f"the drawn shape is not GeoJSON ({err}); draw it again") from err
    return gpd.GeoSeries([lonlat], crs=4326).to_crs(RD).iloc[0]
