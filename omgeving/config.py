"""The project configuration: ``omgeving.toml`` parsed into one validated object.

Unknown keys and wrong values are refused with the key, the line and the fix, so a typo in
the configuration never silently changes what residents see.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import tomli_w

from omgeving._errors import ConfigError
from omgeving.files import atomic_path, atomic_write
from omgeving.palette import IDENTITY_ACCENT, IDENTITY_COLOUR, contrast_ratio, passing_shade

__all__ = [
    "BACKGROUND_QUESTIONS",
    "DEFAULT_THEMES",
    "DEFAULT_THEMES_EN",
    "IMAGE_TYPES",
    "EveningConfig",
    "IdentityConfig",
    "PrivacyConfig",
    "ProjectConfig",
    "RoundConfig",
    "ScenarioRef",
    "ServeConfig",
    "SourcesConfig",
    "StaffConfig",
    "normalise_gemeentecode",
    "read_config",
    "write_config",
    "write_scenario_entry",
]

CONFIG_NAME = "omgeving.toml"

#: The themes of an omgevingsvisie, used when a project names none.
DEFAULT_THEMES = (
    "wonen",
    "werken",
    "natuur & landschap",
    "water & klimaat",
    "energie",
    "mobiliteit",
    "landbouw",
    "voorzieningen",
    "erfgoed",
    "gezondheid",
)
#: The English names of :data:`DEFAULT_THEMES`, in the same order.
DEFAULT_THEMES_EN = (
    "housing",
    "work",
    "nature & landscape",
    "water & climate",
    "energy",
    "mobility",
    "agriculture",
    "amenities",
    "heritage",
    "health",
)
_BUILT_IN_EN = dict(zip(DEFAULT_THEMES, DEFAULT_THEMES_EN, strict=True))
#: The optional background questions a project may ask after a first reaction (``[project]
#: background``): the age band (against the CBS kerncijfers) and how one is tied to the area.
BACKGROUND_QUESTIONS = ("leeftijd", "binding")

#: The files a logo or photo may be, by suffix, with the type the servers send them as.
IMAGE_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}

_GM = re.compile(r"^GM\d{4}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def normalise_gemeentecode(value: str) -> str:
    """Return a gemeente code as ``GM`` + four digits (``"177"`` → ``"GM0177"``).

    Examples
    --------
    >>> normalise_gemeentecode("gm177")
    'GM0177'
    """
    digits = re.sub(r"\D", "", str(value))
    text = str(value).strip().upper()
    if not digits or len(digits) > 4 or re.sub(r"^GM", "", text).strip("0123456789"):
        raise ConfigError(
            f"gemeente code {value!r} is not a CBS gemeente code; "
            "use GM followed by four digits, for example GM0177 for Raalte"
        )
    return "GM" + digits.zfill(4)


@dataclass(frozen=True)
class ScenarioRef:
    """A scenario listed in the project: its file lives in ``scenarios/<slug>.geojson``."""

    slug: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class RoundConfig:
    """A round of participation (``[[rounds]]``): what it asks, when, with which scenarios.

    A round is open from ``start`` to ``end`` (dates, both included), unless ``open`` says
    otherwise, or a staff member opened or closed it in the staff app (the store keeps that,
    and it wins). Reactions belong to the round they were given in.
    """

    slug: str
    title: str
    start: str  # ISO date
    end: str  # ISO date
    title_en: str = ""
    scenarios: tuple[str, ...] = ()  # the scenarios it shows; () = all
    open: bool | None = None  # None: by its period


@dataclass(frozen=True)
class SourcesConfig:
    """Which editions of the remote sources a project was built from."""

    wijken_en_buurten: int = 2024
    bag: bool = False


@dataclass(frozen=True)
class EveningConfig:
    """A participation evening: the address residents' phones use in the hall."""

    public_url: str = ""  # e.g. "http://192.168.1.20:8866/"; empty: the serve address
    cycle_seconds: int = 0  # wall: seconds per scenario when cycling, 0 = no cycling


@dataclass(frozen=True)
class StaffConfig:
    """The staff (moderation) server's login."""

    token: str = ""  # the login token; ``omgeving staff`` refuses to start without one


@dataclass(frozen=True)
class ServeConfig:
    """The public server's limits (``omgeving serve``)."""

    # At most this many kernels (one per open page) at a time; 0: as many as the free memory
    # holds (see omgeving.server.launch.kernel_cap). Past it, new visitors get "Het is erg druk".
    max_kernels: int = 0
    # Seconds a rendered page has to connect to its kernel before the kernel is ended.
    connect_timeout: int = 60
    # Kernels kept ready (the app already run) for the resident app, each one visitor served
    # at once; -1 (not in the file): from the machine's cores and memory (see
    # omgeving.server.launch.default_pool).
    pool: int = -1


@dataclass(frozen=True)
class PrivacyConfig:
    """How long reactions are kept; ``omgeving purge`` erases what is older."""

    # Two years: an omgevingsvisie's participation and its participatieverslag are done by
    # then, and the verslag (with its annex of every reaction) is what the archive keeps.
    retention_days: int = 730


@dataclass(frozen=True)
class IdentityConfig:
    """The municipality's own face in the apps (``[identity]``); the default is neutral."""

    name: str = ""  # as residents know it, "Gemeente Raalte"; empty: the apps show the title
    logo: str = ""  # a file in the project folder (see IMAGE_TYPES), at most 512 KB
    photo: str = ""  # the header picture, a file like the logo, at most 2 MB
    colour: str = IDENTITY_COLOUR  # header and main buttons, with white text (4.5:1 or more)
    accent: str = IDENTITY_ACCENT  # focus ring and highlights (3:1 or more against white)
    welcome: str = ""  # Dutch (B1), at most 400 characters
    welcome_en: str = ""
    answer_by: str = ""  # when residents hear what was done with the reactions: "in juni 2027"
    answer_by_en: str = ""

    def welcome_text(self, lang: str) -> str:
        """Return the welcome in ``lang`` (``"nl"`` or ``"en"``; English falls back to Dutch).

        Examples
        --------
        >>> IdentityConfig(welcome="Welkom!").welcome_text("en")
        'Welkom!'
        """
        return self.welcome_en if lang == "en" and self.welcome_en else self.welcome

    def answer_by_text(self, lang: str) -> str:
        """Return when residents hear back, in ``lang`` (English falls back to Dutch).

        Examples
        --------
        >>> identity = IdentityConfig(answer_by="in juni 2027", answer_by_en="in June 2027")
        >>> identity.answer_by_text("en"), identity.answer_by_text("nl")
        ('in June 2027', 'in juni 2027')
        """
        return self.answer_by_en if lang == "en" and self.answer_by_en else self.answer_by


@dataclass(frozen=True)
class ProjectConfig:
    """A project's configuration, as read from ``omgeving.toml``."""

    title: str
    gemeenten: tuple[str, ...]
    fictional: bool = False
    languages: tuple[str, ...] = ("nl", "en")
    themes: tuple[str, ...] = DEFAULT_THEMES
    themes_en: tuple[str, ...] = ()  # English names, parallel to themes; () = built-in or Dutch
    moderation: str = "post"
    report_threshold: int = 3
    rate_limit: int = 10  # reactions per participant per minute
    # the background questions residents may answer (or skip) after their first reaction;
    # [] asks none
    background: tuple[str, ...] = BACKGROUND_QUESTIONS
    store_url: str = "sqlite:///reactions.sqlite"
    sources: SourcesConfig = field(default_factory=SourcesConfig)
    scenarios: tuple[ScenarioRef, ...] = ()
    rounds: tuple[RoundConfig, ...] = ()
    evening: EveningConfig = field(default_factory=EveningConfig)
    staff: StaffConfig = field(default_factory=StaffConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)
    identity: IdentityConfig = field(default_factory=IdentityConfig)

    def theme_label(self, theme: str, lang: str) -> str:
        """Return the name residents read for ``theme`` (the stored, Dutch value) in ``lang``.

        English comes from ``themes_en``, else from the built-in names of
        :data:`DEFAULT_THEMES`; a theme without either shows in Dutch.

        Examples
        --------
        >>> config = ProjectConfig(title="T", gemeenten=("GM0177",))
        >>> config.theme_label("natuur & landschap", "en"), config.theme_label("wonen", "nl")
        ('nature & landscape', 'wonen')
        """
        if lang != "en":
            return theme
        if self.themes_en and theme in self.themes:
            return self.themes_en[self.themes.index(theme)]
        return _BUILT_IN_EN.get(theme, theme)

    def to_toml(self) -> str:
        """Return the configuration as TOML text."""
        data: dict[str, Any] = {
            "project": {
                "title": self.title,
                "gemeenten": list(self.gemeenten),
                "fictional": self.fictional,
                "languages": list(self.languages),
                "themes": list(self.themes),
                **({"themes_en": list(self.themes_en)} if self.themes_en else {}),
                "moderation": self.moderation,
                "report_threshold": self.report_threshold,
                "rate_limit": self.rate_limit,
                **({"background": list(self.background)}
                   if self.background != BACKGROUND_QUESTIONS else {}),
            },
            "store": {"url": self.store_url},
            "sources": asdict(self.sources),
            "evening": asdict(self.evening),
            "staff": asdict(self.staff),
            "privacy": asdict(self.privacy),
        }
        if self.serve != ServeConfig():
            data["serve"] = {k: v for k, v in asdict(self.serve).items()
                             if not (k == "pool" and v < 0)}
        plain = asdict(IdentityConfig())
        identity = {k: v for k, v in asdict(self.identity).items() if v != plain[k]}
        if identity:
            data["identity"] = identity
        if self.scenarios:
            data["scenarios"] = [asdict(s) for s in self.scenarios]
        if self.rounds:
            data["rounds"] = [
                {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(r).items()
                 if v is not None and v != "" and v != ()}
                for r in self.rounds
            ]
        return tomli_w.dumps(data)


_TABLES: dict[str, set[str]] = {
    "project": {"title", "gemeenten", "fictional", "languages", "themes", "themes_en",
                "moderation", "report_threshold", "rate_limit", "background"},
    "store": {"url"},
    "evening": {"public_url", "cycle_seconds"},
    "staff": {"token"},
    "privacy": {"retention_days"},
    "serve": {"max_kernels", "connect_timeout", "pool"},
    "identity": {f.name for f in fields(IdentityConfig)},
    "sources": {"wijken_en_buurten", "bag"},
    "scenarios": {"slug", "name", "description"},
    "rounds": {"slug", "title", "title_en", "start", "end", "scenarios", "open"},
}


def read_config(path: str | Path) -> ProjectConfig:
    """Read and validate ``omgeving.toml``.

    Parameters
    ----------
    path
        The TOML file, or the project folder that holds it.

    Raises
    ------
    ConfigError
        With the file, the key, its line and how to fix it.
    """
    path = Path(path)
    if path.is_dir():
        path = path / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ConfigError(f"{path} does not exist; create a project with 'omgeving init'") from err
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path} is not UTF-8 text; save it as UTF-8") from err
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path} is not valid TOML: {err}; fix that line") from err
    return _parse(raw, text, path)


def write_config(config: ProjectConfig, path: str | Path) -> Path:
    """Write ``config`` to ``path`` (a file or a project folder) and return the file."""
    path = Path(path)
    if path.is_dir():
        path = path / CONFIG_NAME
    return atomic_write(path, config.to_toml())


class _Where:
    """Finds the line of a key in the TOML text, for messages."""

    def __init__(self, text: str, path: Path) -> None:
        self.lines = text.splitlines()
        self.path = path

    def __call__(self, key: str) -> str:
        pattern = re.compile(rf"^\s*\[*\s*{re.escape(key)}\s*[\]=]")
        for number, line in enumerate(self.lines, start=1):
            if pattern.search(line):
                return f"{self.path}, line {number}"
        return str(self.path)

    def at(self, table: str, key: str, value: object) -> str:
        """Return ``file, [table] key = value (line n)``: the key in its own table."""
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        current, line = "", ""
        for number, text in enumerate(self.lines, start=1):
            header = _HEADER.match(text)
            if header:
                current = header.group(1)
            elif current == table and pattern.match(text):
                line = f" (line {number})"
                break
        shown = tomli_w.dumps({key: value}).strip() if value is not None else key
        return f"{self.path}, [{table}] {shown}{line}"


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]\s]+)\s*\]")


def _parse(raw: dict[str, Any], text: str, path: Path) -> ProjectConfig:
    where = _Where(text, path)
    for table, value in raw.items():
        if table not in _TABLES:
            raise ConfigError(
                f"{where(table)}: unknown table [{table}]; "
                f"known tables are {', '.join(sorted(_TABLES))}"
            )
        rows = value if isinstance(value, list) else [value]
        for row in rows:
            if not isinstance(row, dict):
                raise ConfigError(f"{where(table)}: '{table}' must be a table, not {row!r}")
            for key in row:
                if key not in _TABLES[table]:
                    near = difflib.get_close_matches(key, _TABLES[table], n=1)
                    raise ConfigError(
                        f"{where(key)}: unknown key '{key}' in [{table}]; "
                        f"known keys are {', '.join(sorted(_TABLES[table]))}"
                        + (f"; did you mean '{near[0]}'?" if near else "")
                    )
    project = raw.get("project")
    if project is None:
        raise ConfigError(f"{path}: the table [project] is missing; add it with a title")
    return ProjectConfig(
        title=_text(project, "title", where, required=True),
        gemeenten=_gemeenten(project, where),
        fictional=_bool(project, "fictional", where, False),
        languages=_languages(project, where),
        themes=_themes(project, where),
        themes_en=_themes_en(project, where),
        moderation=_choice(project, "moderation", where, ("post", "pre"), "post"),
        report_threshold=_int(project, "report_threshold", where, 3, 1, 100),
        rate_limit=_int(project, "rate_limit", where, 10, 1, 1000),
        background=_background(project, where),
        store_url=_text(raw.get("store", {}), "url", where) or "sqlite:///reactions.sqlite",
        sources=_sources(raw.get("sources", {}), where),
        scenarios=_scenarios(raw.get("scenarios", []), where),
        rounds=_rounds(raw.get("rounds", []), raw.get("scenarios", []), where),
        evening=_evening(raw.get("evening", {}), where),
        staff=StaffConfig(token=_text(raw.get("staff", {}), "token", where)),
        privacy=PrivacyConfig(
            retention_days=_int(raw.get("privacy", {}), "retention_days", where, 730, 30, 3650)),
        serve=_serve(raw.get("serve", {}), where),
        identity=_identity(raw.get("identity", {}), where),
    )


def _text(table: dict, key: str, where: _Where, *, required: bool = False) -> str:
    value = table.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{where.path}: '{key}' is missing; add {key} = \"...\"")
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ConfigError(f"{where(key)}: '{key}' must be a non-empty text, not {value!r}")
    return value


def _bool(table: dict, key: str, where: _Where, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where(key)}: '{key}' must be true or false, not {value!r}")
    return value


def _int(table: dict, key: str, where: _Where, default: int, low: int, high: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{where(key)}: '{key}' is {value!r}; use a whole number from "
                          f"{low} to {high}")
    return value


def _background(table: dict, where: _Where) -> tuple[str, ...]:
    value = table.get("background", list(BACKGROUND_QUESTIONS))
    if not isinstance(value, list) or any(q not in BACKGROUND_QUESTIONS for q in value):
        raise ConfigError(
            f"{where.at('project', 'background', None)}: 'background' is {value!r}, but it "
            "lists the background questions to ask; use some of "
            f"{', '.join(map(repr, BACKGROUND_QUESTIONS))}, or [] to ask none"
        )
    return tuple(q for q in BACKGROUND_QUESTIONS if q in value)


def _evening(table: dict, where: _Where) -> EveningConfig:
    url = _text(table, "public_url", where)
    if url and not re.match(r"^https?://[^\s/]+(/\S*)?$", url):
        raise ConfigError(f"{where('public_url')}: 'public_url' is {url!r}; use the address "
                          "phones in the hall open, e.g. \"http://192.168.1.20:8866/\"")
    return EveningConfig(public_url=url,
                         cycle_seconds=_int(table, "cycle_seconds", where, 0, 0, 3600))


def _serve(table: dict, where: _Where) -> ServeConfig:
    return ServeConfig(
        max_kernels=_int(table, "max_kernels", where, 0, 0, 10_000),
        connect_timeout=_int(table, "connect_timeout", where, 60, 1, 3600),
        pool=_int(table, "pool", where, 0, 0, 64) if "pool" in table else -1,
    )


# -- [identity] -------------------------------------------------------------------------------

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LONGEST = {"name": 80, "welcome": 400, "welcome_en": 400, "answer_by": 80, "answer_by_en": 80}


def _identity(table: dict, where: _Where) -> IdentityConfig:
    texts = {key: _identity_text(table, key, where, longest) for key, longest in _LONGEST.items()}
    return IdentityConfig(
        **texts,
        logo=_image(table, "logo", where),
        photo=_image(table, "photo", where),
        colour=_colour(table, "colour", where, ratio=4.5),
        accent=_colour(table, "accent", where, ratio=3.0),
    )


def _identity_text(table: dict, key: str, where: _Where, longest: int) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise ConfigError(f"{where.at('identity', key, None)}: '{key}' must be a text in "
                          f'quotes, not {value!r}; write {key} = "..."')
    value = value.strip()
    if len(value) > longest:
        raise ConfigError(
            f"{where.at('identity', key, None)}: '{key}' has {len(value)} characters; "
            f"residents read at most {longest} here, so make it shorter"
        )
    return value


def _image(table: dict, key: str, where: _Where) -> str:
    value = _identity_text(table, key, where, 300)
    if not value:
        return ""
    path = PurePosixPath(value)
    at = where.at("identity", key, value)
    if path.is_absolute() or PureWindowsPath(value).is_absolute() or ".." in path.parts or (
        "\\" in value
    ):
        raise ConfigError(f"{at}: give a path inside the project folder, with forward slashes, "
                          f'for example {key} = "huisstijl/{key}.svg"')
    if path.suffix.lower() not in IMAGE_TYPES:
        raise ConfigError(f"{at}: a {path.suffix or 'file without a suffix'} cannot be shown; "
                          "use an SVG, PNG, JPEG or WebP file (.svg, .png, .jpg, .webp)")
    return value


def _colour(table: dict, key: str, where: _Where, *, ratio: float) -> str:
    default = getattr(IdentityConfig(), key)
    value = table.get(key, default)
    at = where.at("identity", key, value)
    if not isinstance(value, str) or not _COLOUR.match(value):
        raise ConfigError(f'{at}: write the colour as "#rrggbb", for example {key} = "{default}"')
    value = value.lower()
    got = contrast_ratio(value, "#ffffff")
    if got >= ratio:
        return value
    need = (
        "white text on it has a contrast of {got}:1, WCAG AA needs at least 4.5:1"
        if key == "colour"
        else "against white it has a contrast of {got}:1, WCAG AA needs at least 3:1 for "
        "focus rings and highlights (non-text contrast)"
    )
    raise ConfigError(f"{at}: {need.format(got=_ratio(got, ratio))}. A darker colour that "
                      f'passes: "{passing_shade(value, ratio)}".')


def _ratio(got: float, need: float) -> str:
    """Return a failing contrast for a message: 4.48, not 4.5, when 4.5 is needed."""
    short = f"{got:.1f}"
    return short if float(short) < need else f"{int(got * 100) / 100:.2f}"


def _choice(table: dict, key: str, where: _Where, options: tuple[str, ...], default: str) -> str:
    value = table.get(key, default)
    if value not in options:
        raise ConfigError(
            f"{where(key)}: '{key}' is {value!r}; use one of {', '.join(map(repr, options))}"
        )
    return value


def _text_list(table: dict, key: str, where: _Where) -> list[str] | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where(key)}: '{key}' must be a non-empty list of texts")
    return value


def _gemeenten(table: dict, where: _Where) -> tuple[str, ...]:
    values = _text_list(table, "gemeenten", where)
    if values is None:
        raise ConfigError(f"{where.path}: 'gemeenten' is missing; add gemeenten = [\"GM0177\"]")
    try:
        return tuple(dict.fromkeys(normalise_gemeentecode(v) for v in values))
    except ConfigError as err:
        raise ConfigError(f"{where('gemeenten')}: {err}") from err


def _languages(table: dict, where: _Where) -> tuple[str, ...]:
    values = _text_list(table, "languages", where) or ["nl", "en"]
    unknown = [v for v in values if v not in ("nl", "en")]
    if unknown or values[0] != "nl":
        raise ConfigError(
            f"{where('languages')}: languages {values!r} are not supported; "
            'use ["nl", "en"] or ["nl"] (Dutch first)'
        )
    return tuple(values)


def _themes(table: dict, where: _Where) -> tuple[str, ...]:
    values = _text_list(table, "themes", where)
    if values is None:
        return DEFAULT_THEMES
    bad = [v for v in values if not v.strip() or len(v) > 60]
    if bad:
        raise ConfigError(f"{where('themes')}: theme {bad[0]!r} must be 1 to 60 characters")
    return tuple(dict.fromkeys(v.strip() for v in values))


def _themes_en(table: dict, where: _Where) -> tuple[str, ...]:
    """Return the English theme names, one for each theme (duplicates dropped as in themes)."""
    names = _text_list(table, "themes_en", where)
    if names is None:
        return ()
    themes = [t.strip() for t in _text_list(table, "themes", where) or DEFAULT_THEMES]
    if len(names) != len(themes):
        raise ConfigError(
            f"{where('themes_en')}: 'themes_en' has {len(names)} names for {len(themes)} "
            "themes; give one English name for each theme, in the order of 'themes'"
            + ("" if "themes" in table else " (the 10 built-in themes, as no 'themes' is set)")
        )
    bad = [n for n in names if not n.strip() or len(n) > 60]
    if bad:
        raise ConfigError(f"{where('themes_en')}: theme name {bad[0]!r} must be 1 to 60 characters")
    first: dict[str, str] = {}
    for theme, name in zip(themes, names, strict=True):
        first.setdefault(theme, name.strip())  # a theme listed twice counts once, as in themes
    return tuple(first.values())


def _sources(table: dict, where: _Where) -> SourcesConfig:
    year = table.get("wijken_en_buurten", 2024)
    if not isinstance(year, int) or not 2019 <= year <= 2030:
        raise ConfigError(
            f"{where('wijken_en_buurten')}: 'wijken_en_buurten' is {year!r}; "
            "use the year of a CBS edition on PDOK, for example 2024"
        )
    return SourcesConfig(wijken_en_buurten=year, bag=_bool(table, "bag", where, False))


def _scenarios(rows: list, where: _Where) -> tuple[ScenarioRef, ...]:
    refs = []
    for row in rows:
        slug = _text(row, "slug", where, required=True)
        if not SLUG.match(slug):
            raise ConfigError(
                f"{where('slug')}: scenario slug {slug!r} must be lower-case letters, "
                "digits and dashes, for example 'compact-bouwen'"
            )
        refs.append(
            ScenarioRef(
                slug=slug,
                name=_text(row, "name", where, required=True),
                description=_text(row, "description", where),
            )
        )
    if len({r.slug for r in refs}) != len(refs):
        raise ConfigError(f"{where('scenarios')}: two scenarios share a slug; make them unique")
    return tuple(refs)


def _rounds(rows: list, scenario_rows: list, where: _Where) -> tuple[RoundConfig, ...]:
    known = {str(row["slug"]) for row in scenario_rows if isinstance(row, dict) and "slug" in row}
    rounds = []
    for row in rows:
        slug = _text(row, "slug", where, required=True)
        if not SLUG.match(slug):
            raise ConfigError(f"{where('slug')}: round slug {slug!r} must be lower-case letters, "
                              "digits and dashes, for example 'ideeen'")
        start, end = (_day(row, key, slug, where) for key in ("start", "end"))
        if end < start:
            raise ConfigError(f"{where.at('rounds', 'end', end)}: round {slug!r} ends on {end}, "
                              f"before it starts on {start}; swap them or correct one")
        shown = row.get("scenarios", [])
        if not isinstance(shown, list) or any(s not in known for s in shown):
            raise ConfigError(
                f"{where.at('rounds', 'scenarios', None)}: round {slug!r} shows "
                f"{shown!r}, but the project's scenarios are {', '.join(sorted(known)) or 'none'}"
                "; name some of those, or leave scenarios out to show them all")
        opened = row.get("open")
        if opened is not None and not isinstance(opened, bool):
            raise ConfigError(f"{where.at('rounds', 'open', None)}: 'open' of round {slug!r} "
                              f"must be true or false, not {opened!r}; or leave it out to open "
                              "the round in its period")
        rounds.append(RoundConfig(
            slug=slug, title=_text(row, "title", where, required=True), start=start, end=end,
            title_en=_text(row, "title_en", where), scenarios=tuple(shown), open=opened,
        ))
    if len({r.slug for r in rounds}) != len(rounds):
        raise ConfigError(f"{where('rounds')}: two rounds share a slug; make them unique")
    return tuple(sorted(rounds, key=lambda r: (r.start, r.end)))


def _day(row: dict, key: str, slug: str, where: _Where) -> str:
    value: Any = row.get(key)
    text = value.isoformat() if hasattr(value, "isoformat") else value
    if not isinstance(text, str) or not re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        raise ConfigError(f"{where.at('rounds', key, None)}: '{key}' of round {slug!r} is "
                          f"{value!r}; write a date like {key} = 2027-03-01")
    return text


# -- editing omgeving.toml in place ----------------------------------------------------------

_TABLE = re.compile(r"^\s*\[")
_SCENARIO_TABLE = re.compile(r"^\s*\[\[\s*scenarios\s*\]\]\s*(#.*)?$")


def write_scenario_entry(path: str | Path, ref: ScenarioRef) -> None:
    """Add or replace the ``[[scenarios]]`` table of ``ref.slug`` in ``path``, keeping the rest.

    Comments, order and every other table stay as the planner wrote them; the new file is
    read back before it replaces the old one, so a broken edit never reaches disk.

    Raises
    ------
    ConfigError
        When the file is broken already, or the edit would break it.
    """
    path = Path(path)
    read_config(path)  # a broken file is reported as it is, not edited
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    entry = "[[scenarios]]\n" + tomli_w.dumps(asdict(ref))
    spans = _scenario_spans(lines)
    same = [(start, end) for start, end, slug in spans if slug == ref.slug]
    if same:
        start, end = same[0]
        text = "".join(lines[:start]) + entry + "".join(lines[end:])
    else:  # after the last scenario, or at the end
        end = spans[-1][1] if spans else len(lines)
        text = "".join(lines[:end]).rstrip("\n") + "\n\n" + entry + "".join(lines[end:])
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
        try:
            read_config(tmp)
        except ConfigError as err:
            raise ConfigError(
                f"cannot add scenario {ref.slug!r} to {path} ({err}); list the scenarios there "
                "as [[scenarios]] tables"
            ) from err


def _scenario_spans(lines: list[str]) -> list[tuple[int, int, str]]:
    """Return the lines ``[start, end)`` and the slug of every ``[[scenarios]]`` table."""
    spans = []
    for start, line in enumerate(lines):
        if not _SCENARIO_TABLE.match(line):
            continue
        end = next((j for j in range(start + 1, len(lines)) if _TABLE.match(lines[j])), len(lines))
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].strip()[0] == "#"):
            end -= 1  # blank and comment lines before the next table belong to that table
        table = tomllib.loads("".join(lines[start:end]))["scenarios"][0]
        spans.append((start, end, table.get("slug")))
    return spans
