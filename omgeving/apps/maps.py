"""Interactive maps for a planner's notebook (ipyleaflet): the reactions on the project map.

The static twins, for a report or a website, are
:func:`omgeving.outputs.figures.matplotlib_reaction_map` and
:func:`omgeving.outputs.staticmap.folium_reaction_map`.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd

from omgeving.project import Project

__all__ = ["leaflet_reaction_map"]


def leaflet_reaction_map(frame: gpd.GeoDataFrame, project: Project, *, heatmap: bool = True) -> Any:
    """Return an ipyleaflet map of the reactions (points, lines, areas), coloured by theme.

    With ``heatmap`` a heat layer of the reactions' places is added (toggle it in the layer
    control), to see where people reacted most.
    """
    import json

    from ipyleaflet import GeoJSON, Heatmap, LayersControl

    from omgeving.apps._mapview import ProjectMap
    from omgeving.palette import theme_colour
    from omgeving.web import read_manifest

    pmap = ProjectMap(project.web_dir, read_manifest(project.web_dir), height="560px")
    placed = frame[frame.geometry.notna()]
    themes = project.config.themes
    data = json.loads(placed[["thema", "tekst", "status", "geometry"]].to_json(drop_id=True))
    for feature in data["features"]:
        colour = theme_colour(themes, feature["properties"]["thema"])
        feature["properties"]["style"] = {"color": colour, "fillColor": colour,
                                          "weight": 2, "fillOpacity": 0.6}
    pmap.map.add(GeoJSON(data=data, name="reacties", point_style={"radius": 6}))
    if heatmap and len(placed):
        points = placed.geometry.representative_point()
        pmap.map.add(Heatmap(locations=[[p.y, p.x] for p in points], radius=25,
                             name="dichtheid"))
    pmap.map.add(LayersControl(position="topright"))
    return pmap.map
