"""Tiny hand-made test geometries, defined once (lon/lat near Raalte, and RD)."""

from __future__ import annotations

from shapely.geometry import Polygon, box

#: A 0.1° × 0.05° square area in lon/lat, and two buurten that split it.
AREA = box(6.20, 52.35, 6.30, 52.40)
BUURT_WEST = ("BU99990001", "West", box(6.20, 52.35, 6.25, 52.40))
BUURT_OOST = ("BU99990002", "Oost", box(6.25, 52.35, 6.30, 52.40))
INSIDE = {"type": "Point", "coordinates": [6.22, 52.37]}
INSIDE_OOST = {"type": "Point", "coordinates": [6.28, 52.37]}
OUTSIDE = {"type": "Point", "coordinates": [6.40, 52.37]}
TRIANGLE = {
    "type": "Polygon",
    "coordinates": [[[6.21, 52.36], [6.24, 52.36], [6.22, 52.38], [6.21, 52.36]]],
}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[6.21, 52.36], [6.24, 52.38], [6.24, 52.36], [6.21, 52.38], [6.21, 52.36]]],
}
#: A square in RD New near Raalte, 1 km².
RD_SQUARE = Polygon([(211000, 490000), (212000, 490000), (212000, 491000), (211000, 491000)])
