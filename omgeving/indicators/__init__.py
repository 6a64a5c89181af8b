"""Indicators: what a scenario means, in numbers, for the gemeente and per buurt.

An indicator is a pure function of a scenario and the project's layers. It is registered
under a key with a name, a unit and an explanation in Dutch and English, and returns a
:class:`Result`: a value, and where it makes sense a Series per buurt and a breakdown.

Every indicator sees the scenario's interventions *clipped to the project area* (the union of
the ``gemeente`` layer): an intervention partly outside counts only with its part inside, and
its ``woningen`` and ``mw`` are scaled to that part (by area; by length for lines; by the
number of points for points). All geometry work is vectorised (shapely 2 array functions and
``STRtree`` queries); the only Python loops run over the (at most ten) functions.

The assumptions (distances, yields, electricity use) are keyword parameters with the defaults
below; pass others with ``evaluate(..., params={"wind_distance_m": 400})``.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> from omgeving.indicators import Layers, evaluate
>>> layers = Layers({
...     "gemeente": gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs=28992),
...     "buurten": gpd.GeoDataFrame({"buurtcode": ["BU00010000"]},
...                                 geometry=[box(0, 0, 1000, 1000)], crs=28992),
... })
>>> plan = gpd.GeoDataFrame({"functie": ["wonen"], "woningen": [120]},
...                         geometry=[box(900, 0, 1100, 100)], crs=28992)
>>> evaluate(plan, layers, ["hectares", "homes"])[["key", "value"]]
        key  value
0  hectares    1.0
1     homes   60.0

A planner adds an indicator in a few lines; it is then part of :func:`evaluate`:

>>> from omgeving.indicators import indicator
>>> @indicator("parking_spaces", name_nl="Parkeerplaatsen", name_en="Parking spaces",
...            unit="plaatsen",
...            explanation_nl="Anderhalve plaats per nieuwe woning.",
...            explanation_en="One and a half spaces per new home.")
... def parking(interventions, layers):
...     return 1.5 * interventions["woningen"].sum()
>>> parking(plan, layers).value
90.0
"""

from omgeving.indicators import _builtin  # noqa: F401  (registers the built-in indicators)
from omgeving.indicators._core import *  # noqa: F403  (the public names, listed there)
from omgeving.indicators._core import __all__  # noqa: F401
