"""What the municipality reads and publishes.

The participatieverslag, its charts, static maps for the website and the analysis of the
reactions behind them.

Nothing here imports a widget or the interactive map, so a report builds on a server without
ipywidgets or ipyleaflet.
"""

__all__: list[str] = []  # a home for its modules; import them by name
