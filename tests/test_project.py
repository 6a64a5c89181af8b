"""Writing a project's files: a frame without a CRS is refused with the set_crs to use."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from omgeving._errors import LayerError
from omgeving.project import write_layer, write_scenario_file
from tests.geoms import RD_SQUARE


@pytest.mark.parametrize("write", [write_layer, write_scenario_file])
@pytest.mark.parametrize(
    ("geometry", "match"),
    [
        (RD_SQUARE, r"its coordinates are RD New: set it with gdf\.set_crs\(28992\)"),
        (
            Point(6.2, 52.4),
            r"its coordinates are longitude/latitude: set it with gdf\.set_crs\(4326\)",
        ),
        (Point(1e7, 1e7), r"set the EPSG code of its coordinates with gdf\.set_crs\(\.\.\.\)"),
    ],
)
def test_a_frame_without_crs_is_refused_with_the_crs_its_coordinates_call_for(
    tmp_path, write, geometry, match
):
    frame = gpd.GeoDataFrame({"naam": ["x"]}, geometry=[geometry], crs=None)
    with pytest.raises(LayerError, match=rf"'laag' has no CRS; {match}"):
        write(frame, tmp_path / "laag.parquet")
    assert list(tmp_path.iterdir()) == []
