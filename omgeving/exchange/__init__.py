"""Files for other systems, both ways.

Exports for GIS and Excel (GeoPackage, GeoJSON, CSV), OpenStad's inzendingen (import and
export) and GIO for the DSO.

Nothing here imports a widget or the interactive map.
"""

__all__: list[str] = []  # a home for its modules; import them by name
