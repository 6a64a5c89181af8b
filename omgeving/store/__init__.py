"""The reaction store: one interface, two backends (a SQLite file, or PostgreSQL with PostGIS).

Acknowledged means stored, by many kernels at once: a method returns only after its write is
committed and durable, and a retried submit with the same id stores nothing twice. Every
change to a reaction (new, agreed, reported, edited, moderated, erased) gets the next number
of one change counter, so a wall asks cheaply for "everything changed since cursor N".
Moderation actions go to an append-only audit log that the database itself refuses to update
or delete (triggers), whatever code connects to it.

:class:`Store` is the interface every app and output is typed against; :func:`open_store`
picks the backend by URL. :class:`SQLiteStore` (``omgeving.store._sqlite``) is the embedded
default; :class:`PostgresStore` (``omgeving.store._postgres``) serves several machines. Both
are loaded on first use, so importing this module loads neither a database driver nor a
geometry library.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self

from omgeving._errors import StoreError
from omgeving.reactions import STATUSES, Reaction
from omgeving.store._model import (
    ACTIONS,
    AGE_BANDS,
    MAX_REASON,
    MAX_RESPONSE,
    MIN_SQLITE,
    RELATIONS,
    RESPONSE_KINDS,
    SCHEMA_VERSION,
    UNSPECIFIED_THEMES,
    VERDICTS,
    AuditEntry,
    Erasure,
    Evening,
    Link,
    ParticipantData,
    Profile,
    Response,
    RoundPlan,
    Snapshot,
    check_reason,
    moderation,
)

if TYPE_CHECKING:
    from omgeving.store._postgres import PostgresStore
    from omgeving.store._sqlite import SQLiteStore, repair_hint

__all__ = [
    "ACTIONS",
    "AGE_BANDS",
    "MAX_REASON",
    "MAX_RESPONSE",
    "MIN_SQLITE",
    "RELATIONS",
    "RESPONSE_KINDS",
    "SCHEMA_VERSION",
    "STATUSES",
    "UNSPECIFIED_THEMES",
    "VERDICTS",
    "AuditEntry",
    "Erasure",
    "Evening",
    "Link",
    "ParticipantData",
    "PostgresStore",
    "Profile",
    "Response",
    "RoundPlan",
    "SQLiteStore",
    "Snapshot",
    "Store",
    "check_reason",
    "moderation",
    "open_store",
    "repair_hint",
    "sqlite_path",
]

#: Names loaded on first use: name → the private module that defines it.
_LAZY = {
    "SQLiteStore": "omgeving.store._sqlite",
    "repair_hint": "omgeving.store._sqlite",
    "PostgresStore": "omgeving.store._postgres",  # only PostgreSQL users need psycopg
}


class Store(Protocol):
    """The reaction store, whichever database holds it.

    Times are ISO 8601 text in UTC (``2026-05-04T19:30:00+00:00``) in and out, on both
    backends. Every write is one transaction: it is stored whole or not at all.

    Raises
    ------
    StoreError
        From any method, when the database cannot be reached, stays locked, or refuses a
        write; :class:`~omgeving.ValidationError` when an argument breaks a rule (an empty
        reason, an unknown action).
    """

    # -- reactions ---------------------------------------------------------------------------

    def add(self, reaction: Reaction) -> bool:
        """Store ``reaction``; return False if a reaction with its id was stored before."""
        ...

    def add_logged(self, reaction: Reaction, *, action: str, actor: str, reason: str) -> bool:
        """Store ``reaction`` and an audit entry about it, in one transaction.

        For a reaction a staff member enters (a paper form): the log says who typed it in.
        Returns False, and stores and logs nothing, if a reaction with its id was stored
        before; if the audit entry cannot be written, the reaction is not stored either.

        Raises
        ------
        ValidationError
            When the actor or reason is empty or too long.
        """
        ...

    def get(self, reaction_id: str) -> Reaction | None:
        """Return the reaction with ``reaction_id``, or None."""
        ...

    def visible(self, *, since: int = 0, scenario: str | None = None) -> list[Reaction]:
        """Return the visible reactions stored after ``seq`` ``since``, oldest first.

        With a cursor (``since`` above 0), a reaction is returned only once no older write
        is still under way, so a cursor never skips one.
        """
        ...

    def changes(self, since: int = 0) -> list[Reaction]:
        """Return every reaction changed after cursor ``since`` (any status), by change.

        The cursor is :attr:`Reaction.changed` of the last one returned; a change appears
        once every older write has ended, so a cursor never skips one. The query uses an
        index and returns nothing in well under a millisecond when nothing changed, so a wall
        can poll it twice a second.
        """
        ...

    def all(self) -> list[Reaction]:
        """Return every reaction, hidden and withdrawn ones included, oldest first."""
        ...

    def count(self) -> int:
        """Return the number of stored reactions of every status."""
        ...

    def count_by(self, participant: str, since: str) -> int:
        """Return how many reactions ``participant`` stored at or after ISO time ``since``."""
        ...

    def update_own(self, reaction: Reaction, participant: str) -> bool:
        """Replace text, theme, sentiment, geometry and buurt of a participant's own reaction.

        Returns False when the reaction is not theirs, or is hidden or withdrawn.
        """
        ...

    def withdraw(self, reaction_id: str, participant: str) -> bool:
        """Withdraw a participant's own reaction (kept, for the participatieverslag)."""
        ...

    # -- agreements and reports --------------------------------------------------------------

    def agree(self, reaction_id: str, participant: str) -> bool:
        """Record that ``participant`` agrees; return False if they did before.

        The count stays exact with many agreeing at once.
        """
        ...

    def report(
        self, reaction_id: str, participant: str, reason: str, *, threshold: int = 3
    ) -> bool:
        """Record a report with its reason; return False if ``participant`` reported before.

        At ``threshold`` reports a visible reaction is taken off the map (status
        ``pending``) until a moderator decides, and the audit log says so.

        Raises
        ------
        ValidationError
            When the reason is empty or over :data:`MAX_REASON` characters.
        """
        ...

    def reports_for(self, reaction_id: str) -> list[tuple[str, str]]:
        """Return the (reason, time) of every report of a reaction, oldest first."""
        ...

    def agreed_by(self, participant: str) -> set[str]:
        """Return the ids of the reactions ``participant`` agreed with."""
        ...

    def reported_by(self, participant: str) -> set[str]:
        """Return the ids of the reactions ``participant`` reported."""
        ...

    # -- moderation --------------------------------------------------------------------------

    def moderate(self, reaction_id: str, action: str, *, actor: str, reason: str) -> bool:
        """Hide, restore or approve a reaction, with a required reason, and audit it.

        Returns False when the action does not apply to the reaction's status (see
        :data:`ACTIONS`).

        Raises
        ------
        ValidationError
            When the action is unknown or the actor or reason is empty or too long.
        """
        ...

    def queue(self) -> list[Reaction]:
        """Return the reactions waiting for a moderator (status ``pending``), oldest first."""
        ...

    def set_theme(self, reaction_id: str, theme: str, *, actor: str, reason: str) -> bool:
        """Give a reaction without a theme one (a moderator accepting a suggestion), audited.

        Only a reaction whose theme says none (:data:`UNSPECIFIED_THEMES`: empty, "overig")
        gets one: what a resident chose is never overwritten. The audit entry keeps the theme
        it had. Returns False when the reaction is missing, erased or has a theme of its own.

        Raises
        ------
        ValidationError
            When the theme is empty or "overig", or the actor or reason is empty or too long.
        """
        ...

    def link(self, a: str, b: str, *, same: bool, actor: str, reason: str) -> bool:
        """Record a moderator's judgement of two reactions: the same point made twice, or not.

        Nothing is deleted or hidden: the report counts linked reactions as one point. A later
        judgement of the pair replaces the earlier one; each is audited (``link`` or
        ``unlink``, on ``a``, with ``b`` in the reason). Returns False when a reaction is
        missing or the pair was already judged so.

        Raises
        ------
        ValidationError
            When ``a`` and ``b`` are the same, or the actor or reason is empty or too long.
        """
        ...

    def links(self) -> list[Link]:
        """Return the moderators' judgements of pairs (:class:`Link`), by time and ids."""
        ...

    def audit_log(self) -> list[AuditEntry]:
        """Return the audit log, oldest first."""
        ...

    def log(self, action: str, *, actor: str, reason: str, reaction_id: str | None = None) -> None:
        """Append an entry to the audit log (for actions on no single reaction).

        Raises
        ------
        ValidationError
            When the actor or reason is empty or too long.
        """
        ...

    # -- rounds, evenings, responses -------------------------------------------------------

    def set_round(self, slug: str, open: bool, *, actor: str, reason: str) -> bool:
        """Open or close round ``slug`` by a staff member's decision, audited.

        The decision holds over the round's period in ``omgeving.toml`` until the next one.
        Returns False when the round was already so by an earlier decision.

        Raises
        ------
        ValidationError
            When the slug, actor or reason is empty or too long.
        """
        ...

    def round_states(self) -> dict[str, bool]:
        """Return staff's decisions on rounds: slug → open."""
        ...

    def save_round_plan(self, plan: RoundPlan, *, actor: str) -> bool:
        """Plan a round in the staff app, or change it (same slug), audited.

        Returns False when nothing changed. Which rounds exist is the project's business
        (:func:`omgeving.cycle.plan_round` refuses a slug of ``omgeving.toml``).

        Raises
        ------
        ValidationError
            When a field is refused (:func:`check_round_plan`) or the actor is empty.
        """
        ...

    def round_plans(self) -> list[RoundPlan]:
        """Return the rounds planned in the staff app, by start."""
        ...

    def save_evening(self, evening: Evening, *, actor: str) -> bool:
        """Register an evening, or correct it (same id), audited; False if nothing changed.

        Raises
        ------
        ValidationError
            When a field is refused (:func:`check_evening`) or the actor is empty.
        """
        ...

    def evenings(self) -> list[Evening]:
        """Return the evening register, by day."""
        ...

    def save_response(self, response: Response, *, actor: str) -> bool:
        """Write the municipality's response, or change it (same id), audited.

        Returns False when nothing changed.

        Raises
        ------
        ValidationError
            When a field is refused (:func:`check_response`) or the actor is empty.
        """
        ...

    def delete_response(self, response_id: str, *, actor: str, reason: str) -> bool:
        """Withdraw a response (the log keeps what it said); False when there was none."""
        ...

    def responses(self) -> list[Response]:
        """Return every response, oldest first."""
        ...

    # -- background answers --------------------------------------------------------------------

    def add_profile(self, channel: str, *, age: str | None, relation: tuple[str, ...]) -> None:
        """Store one participant's background answers, without anything that identifies them.

        Only the day, the channel and the answers are kept (:class:`Profile`).

        Raises
        ------
        ValidationError
            When an answer is not one of :data:`AGE_BANDS` or :data:`RELATIONS`, or nothing
            was answered.
        """
        ...

    def profiles(self) -> list[Profile]:
        """Return every stored set of background answers, oldest first."""
        ...

    # -- privacy -----------------------------------------------------------------------------

    def participant_data(self, participant: str) -> ParticipantData:
        """Return everything stored of ``participant`` (reactions, agreements, reports)."""
        ...

    def erase_participant(self, participant: str, *, actor: str, reason: str) -> Erasure:
        """Erase a participant's data (GDPR art. 17), and say so in the audit log.

        Their agreements and reports are deleted and the counts they added taken off. Their
        reactions keep only id, channel, scenario and time, with status ``erased`` and the
        reason, so the participatieverslag still accounts for every reaction ever made; text,
        place, theme, sentiment, buurt and token are gone, and so are others' agreements and
        reports on them.
        """
        ...

    def purge(self, before: str, *, actor: str) -> int:
        """Erase every reaction created before ISO time ``before`` (the retention period).

        Each erased reaction keeps its id, channel, scenario, time and an audit entry, like
        :meth:`erase_participant`; returns how many were erased.
        """
        ...

    def snapshot(self) -> Snapshot:
        """Return every reaction and the audit log as of one moment (one read transaction)."""
        ...

    # -- health ------------------------------------------------------------------------------

    def schema_version(self) -> int:
        """Return the schema version written in the store."""
        ...

    def integrity_check(self) -> str:
        """Check the whole store; return ``'ok'`` when healthy, else what is wrong.

        SQLite answers its ``PRAGMA integrity_check``. PostgreSQL has none; there the tables
        and the audit triggers must be there and enabled, the schema version this
        omgeving's, every reaction's agreement and report counts equal to its rows (no lost
        update), and, where the ``amcheck`` extension is installed, every B-tree index of
        the store sound against its table (``bt_index_check`` with ``heapallindexed``) and
        every table's pages (``verify_heapam``).
        """
        ...

    def quick_check(self) -> str:
        """Check the store before a server starts; ``'ok'`` when healthy, else on one line.

        SQLite's ``PRAGMA quick_check`` skips matching indexes to their tables and names at
        most the first five problems; on PostgreSQL it is :meth:`integrity_check`.
        """
        ...

    def close(self) -> None:
        """Close the connection."""
        ...

    def __enter__(self) -> Self:
        """Return the store, for a ``with`` block that closes it."""
        ...

    def __exit__(self, *exc: object) -> None:
        """Close the store at the end of the ``with`` block."""
        ...


def open_store(url: str, *, create: bool = False) -> Store:
    """Open the store at ``url``.

    ``sqlite:///path/to/reactions.sqlite`` opens a :class:`SQLiteStore`;
    ``postgresql://user@host:5432/database`` a :class:`PostgresStore` (PostgreSQL with
    PostGIS). Both are a :class:`Store`.

    Parameters
    ----------
    url
        The store's URL, as in ``[store] url`` of ``omgeving.toml``.
    create
        Make a new, empty store when there is none at ``url``. Without it a missing SQLite
        file, or a PostgreSQL database without omgeving's tables, is an error: a typo in the
        URL must never start an empty store unseen (``omgeving init``, ``omgeving demo`` and
        the first ``omgeving serve`` of a project create the store).

    Raises
    ------
    StoreError
        For an unsupported URL, a missing or damaged store, a SQLite that is too old, a
        network file system, or a PostgreSQL server that cannot be reached.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with open_store(f"sqlite:///{folder}/reactions.sqlite", create=True) as store:
    ...     store.count()
    0
    """
    path = sqlite_path(url)
    if path is not None:
        from omgeving.store._sqlite import SQLiteStore

        return SQLiteStore(path, create=create)
    if url.startswith(("postgresql://", "postgres://")):
        from omgeving.store._postgres import PostgresStore

        return PostgresStore(url, create=create)
    raise StoreError(
        f"store URL {url!r} is not supported yet; use sqlite:///reactions.sqlite or "
        "postgresql://user@host/database in [store] url of omgeving.toml"
    )


def sqlite_path(url: str) -> Path | None:
    """Return the file of a ``sqlite:///`` URL, or None for another URL.

    Examples
    --------
    >>> str(sqlite_path("sqlite:///project/reactions.sqlite"))
    'project/reactions.sqlite'
    >>> sqlite_path("postgresql://omg@db/omgeving") is None
    True
    """
    prefix = "sqlite:///"
    return Path(url[len(prefix) :]) if url.startswith(prefix) else None


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'omgeving.store' has no attribute {name!r}")
    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
