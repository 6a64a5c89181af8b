"""The demo's own fictional identity: a name, colours, a welcome, a logo and a header picture.

The logo (an emblem of a river between trees, beside the name) and the picture (fields, the
river and a church tower) are SVG drawn here, so the demo needs no image from elsewhere and
shows what a municipality's own ``[identity]`` looks like in the apps.
"""

from __future__ import annotations

import itertools
from html import escape
from pathlib import Path

from omgeving.config import IdentityConfig

__all__ = ["IDENTITY", "LOGO", "PHOTO", "logo_svg", "photo_svg", "write_identity_files"]

#: Where the images live in the demo project.
LOGO = "huisstijl/logo.svg"
PHOTO = "huisstijl/landschap.svg"

GREEN = "#3b6e2f"  # a warm deep green: white text on it has 6.1:1
TERRACOTTA = "#b5541c"  # a dark terracotta orange: 4.9:1 against white
_RIVER = "#4f8fb8"
_LEAF = ("#5f8f3a", "#7aa346", "#4d7d33")

IDENTITY = IdentityConfig(
    name="Gemeente Voorbeeld",
    logo=LOGO,
    photo=PHOTO,
    colour=GREEN,
    accent=TERRACOTTA,
    welcome=(
        "Welkom! Hoe wilt u in 2040 wonen, werken en leven in onze dorpen? "
        "Kijk op de kaart en vertel ons wat u belangrijk vindt."
    ),
    welcome_en=(
        "Welcome! How would you like to live and work in our villages in 2040? "
        "Look at the map and tell us what matters to you."
    ),
    answer_by="in juni 2027",
    answer_by_en="in June 2027",
)

_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="{box}" role="img" aria-label="{label}">'
_FONT = "Segoe UI, Roboto, Helvetica, Arial, sans-serif"


def logo_svg(name: str = "Gemeente Voorbeeld") -> str:
    """Return the demo logo: a round emblem (river and trees) and ``name``, on white.

    The white card behind it keeps the logo readable on any header colour.

    Examples
    --------
    >>> logo_svg().startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    True
    """
    first, _, rest = name.partition(" ")
    width = 96 + 15 * max(len(first) * 0.6, len(rest))
    trees = "".join(
        f'<path d="M{x} {y + 14}v6" stroke="#5b4127" stroke-width="2.5"/>'
        f'<circle cx="{x}" cy="{y + 6}" r="{r}" fill="{_LEAF[i % 3]}"/>'
        for i, (x, y, r) in enumerate(((25, 24, 8), (39, 19, 10), (54, 24, 7)))
    )
    return (
        _SVG.format(box=f"0 0 {width:.0f} 80", label=escape(name))
        + f'<rect width="{width:.0f}" height="80" rx="12" fill="#ffffff"/>'
        + f'<circle cx="40" cy="40" r="32" fill="#eef4e6" stroke="{GREEN}" stroke-width="4"/>'
        + trees
        + f'<path d="M12 50c10-5 18 5 28 0s18-5 28 0v6c-10-5-18 5-28 0s-18-5-28 0z" '
        f'fill="{_RIVER}"/>'
        + f'<path d="M16 60c8-3 16 3 24 0s16-3 24 0" stroke="{_RIVER}" stroke-width="3" '
        'fill="none" stroke-linecap="round"/>'
        + f'<text x="84" y="34" font-family="{_FONT}" font-size="17" fill="{GREEN}">'
        f"{escape(first)}</text>"
        + f'<text x="84" y="58" font-family="{_FONT}" font-size="24" font-weight="700" '
        f'fill="{GREEN}">{escape(rest)}</text>'
        + "</svg>\n"
    )


def photo_svg() -> str:
    """Return the demo's header picture: fields, the river and a church tower, 1200 × 400.

    Examples
    --------
    >>> "church" in photo_svg()
    True
    """
    sky = (
        '<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">'
        '<stop offset="0" stop-color="#cfe4ef"/><stop offset="1" stop-color="#f7ecd4"/>'
        "</linearGradient></defs>"
        '<rect width="1200" height="400" fill="url(#sky)"/>'
        '<circle cx="980" cy="92" r="46" fill="#f8d77c"/>'
    )
    hills = (
        '<path d="M0 230C180 190 330 215 480 200S800 170 960 195 1120 205 1200 190V400H0z" '
        'fill="#a9c47f"/>'
        '<path d="M0 265C220 240 420 262 640 248S1000 232 1200 250V400H0z" fill="#8fb35f"/>'
    )
    fields = "".join(
        f'<path d="M{x0} 400L{x1} 262L{x1 + 150} 258L{x0 + 260} 400z" fill="{fill}" '
        'opacity="0.9"/>'
        for x0, x1, fill in ((-40, 90, "#d9c66f"), (420, 520, "#b7cf73"), (820, 860, "#e1cf84"))
    )
    rows = "".join(
        f'<path d="M{-20 + 30 * n} 400L{100 + 10 * n} 264" stroke="#c4ad55" stroke-width="2"/>'
        for n in range(9)
    )
    river = f'<path d="{_river()}" fill="{_RIVER}"/>'
    return (
        _SVG.format(box="0 0 1200 400", label="Akkers, een rivier en een kerktoren")
        + sky
        + hills
        + _village(300, 214)
        + fields
        + rows
        + river
        + "".join(_tree(x, y, s, i) for i, (x, y, s) in enumerate(_TREES))
        + "</svg>\n"
    )


#: The river's middle, from the front of the picture to the horizon.
_RIVER_LINE = ((530, 420), (620, 370), (680, 335), (705, 300), (770, 270), (860, 250), (915, 241))


def _river() -> str:
    """Return the outline of the river, wide in front and narrow at the horizon."""
    points = _smooth(_RIVER_LINE)
    left, right = [], []
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        length = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, 1e-9)
        half = 2.5 + 52 * max(0.0, (y0 - 240) / 180) ** 1.4
        nx, ny = -(y1 - y0) / length * half, (x1 - x0) / length * half
        left.append((x0 + nx, y0 + ny))
        right.append((x0 - nx, y0 - ny))
    outline = left + right[::-1]
    return "M" + "L".join(f"{x:.0f} {y:.0f}" for x, y in outline) + "z"


def _smooth(points: tuple[tuple[int, int], ...], steps: int = 12) -> list[tuple[float, float]]:
    """Return a Catmull-Rom curve through ``points``, ``steps`` points per stretch."""
    def at(a: float, b: float, c: float, d: float, t: float) -> float:
        return 0.5 * (2 * b + (c - a) * t + (2 * a - 5 * b + 4 * c - d) * t**2
                      + (3 * b - a - 3 * c + d) * t**3)

    ends = (points[0], *points, points[-1])
    curve: list[tuple[float, float]] = []
    for p0, p1, p2, p3 in zip(ends, ends[1:], ends[2:], ends[3:], strict=False):
        for t in (step / steps for step in range(steps)):
            curve.append((at(p0[0], p1[0], p2[0], p3[0], t), at(p0[1], p1[1], p2[1], p3[1], t)))
    return [*curve, (float(points[-1][0]), float(points[-1][1]))]


_TREES = ((80, 246, 1.0), (128, 240, 0.8), (470, 236, 0.9), (760, 232, 1.1), (800, 238, 0.8),
          (1040, 228, 1.0), (1090, 236, 0.75), (1150, 230, 0.9))


def _village(x: int, y: int) -> str:
    """Return houses and a church with its tower, standing on the horizon at ``(x, y)``."""
    houses = "".join(
        f'<path d="M{x + dx} {y}v-22l14-12 14 12v22z" fill="{wall}"/>'
        f'<path d="M{x + dx - 2} {y - 21}l16-14 16 14" fill="#9a4b32"/>'
        for dx, wall in ((-70, "#efe3cf"), (-38, "#e6d6bd"), (60, "#efe3cf"), (92, "#e2cfb2"))
    )
    church = (
        f'<g class="church"><path d="M{x - 8} {y}v-40h52v40z" fill="#d9cbb4"/>'
        f'<path d="M{x - 10} {y - 38}l28-20 28 20" fill="#7d4a36"/>'
        f'<path d="M{x + 22} {y}v-78h22v78z" fill="#cdbb9f"/>'
        f'<path d="M{x + 20} {y - 77}l13-52 13 52z" fill="#5e6b73"/>'
        f'<path d="M{x + 33} {y - 140}v-12M{x + 28} {y - 147}h10" stroke="#5e6b73" '
        'stroke-width="2.5"/>'
        f'<circle cx="{x + 33}" cy="{y - 60}" r="5" fill="#f4ecdc" stroke="#5e6b73"/>'
        f'<path d="M{x + 29} {y - 30}v-14a4 4 0 0 1 8 0v14z" fill="#6b5b4b"/></g>'
    )
    return houses + church


def _tree(x: float, y: float, scale: float, index: int) -> str:
    return (
        f'<path d="M{x} {y}v{-14 * scale:.1f}" stroke="#6a4c2e" '
        f'stroke-width="{4 * scale:.1f}"/>'
        f'<circle cx="{x}" cy="{y - 26 * scale:.1f}" r="{16 * scale:.1f}" '
        f'fill="{_LEAF[index % 3]}"/>'
    )


def write_identity_files(root: Path) -> None:
    """Write the demo logo and header picture into the project folder ``root``."""
    for relative, text in ((LOGO, logo_svg(IDENTITY.name)), (PHOTO, photo_svg())):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

