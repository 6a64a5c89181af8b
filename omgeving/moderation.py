"""What a moderator does, and the checks on it: a name for the audit log, a reason.

Hiding, restoring and approving a reaction (:func:`moderate`), and settling what the
analysis suggests: a theme accepted or rejected (:func:`accept_theme`, :func:`reject_theme`)
and a possible duplicate judged (:func:`judge_duplicate`). Every action goes to the store
with the moderator's name (:func:`moderator_name`) and is audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from omgeving._errors import ValidationError
from omgeving.i18n import t
from omgeving.store import UNSPECIFIED_THEMES, Store, check_reason

if TYPE_CHECKING:
    from omgeving.config import ProjectConfig

__all__ = [
    "MAX_NAME",
    "RESERVED_NAMES",
    "accept_theme",
    "judge_duplicate",
    "moderate",
    "moderation_reason",
    "moderator_name",
    "reject_theme",
]

#: The longest moderator's name, and the names that are the system's own in the audit log.
MAX_NAME = 60
RESERVED_NAMES = ("systeem", "system")


def moderator_name(name: object) -> str:
    """Return a moderator's name for the audit log; refuse an empty, long or reserved one.

    Raises
    ------
    ValidationError
        With key ``staff.error.name`` (empty), ``staff.error.name_long`` (over
        :data:`MAX_NAME` characters) or ``staff.error.name_reserved`` (the system's own name,
        in :data:`RESERVED_NAMES`).

    Examples
    --------
    >>> moderator_name("  Anna de Vries ")
    'Anna de Vries'
    """
    clean = check_reason(
        name,
        what="name",
        limit=MAX_NAME,
        empty="staff.error.name",
        too_long="staff.error.name_long",
    )
    if clean.casefold() in RESERVED_NAMES:
        raise ValidationError(f"name {clean!r} is reserved", key="staff.error.name_reserved")
    return clean


def moderation_reason(action: str, reason: object, *, lang: str = "nl") -> str:
    """Return the reason of a moderation action; an approval without one is "goedgekeurd".

    Raises
    ------
    ValidationError
        With key ``staff.error.reason`` (empty) or ``staff.error.reason_long`` (over
        :data:`~omgeving.store.MAX_REASON` characters).

    Examples
    --------
    >>> moderation_reason("approve", " "), moderation_reason("hide", "reclame")
    ('goedgekeurd', 'reclame')
    """
    optional = action == "approve"
    clean = check_reason(
        reason,
        empty=None if optional else "staff.error.reason",
        too_long="staff.error.reason_long",
    )
    return clean or t("staff.approve.reason", lang)


def moderate(
    store: Store,
    reaction_id: str,
    action: str,
    *,
    actor: object,
    reason: object,
    lang: str = "nl",
) -> bool:
    """Hide, restore or approve a reaction as ``actor``, with a reason, and audit it.

    Returns False when the action no longer applies (another moderator, or the author
    withdrawing, was first).

    Raises
    ------
    ValidationError
        When the name (:func:`moderator_name`) or the reason (:func:`moderation_reason`) is
        refused, the name first.
    """
    name = moderator_name(actor)
    why = moderation_reason(action, reason, lang=lang)
    return store.moderate(reaction_id, action, actor=name, reason=why)


def accept_theme(
    store: Store,
    config: ProjectConfig,
    reaction_id: str,
    theme: object,
    *,
    actor: object,
    lang: str = "nl",
) -> bool:
    """Give a reaction without a theme the suggested ``theme``, as ``actor``, audited.

    Returns False when the reaction has a theme of its own by now (a resident's choice is
    never overwritten; see :meth:`Store.set_theme`) or is gone.

    Raises
    ------
    ValidationError
        When the name is refused, or ``theme`` is not one of the project's themes.
    """
    name = moderator_name(actor)
    if theme not in config.themes or theme in UNSPECIFIED_THEMES:
        raise ValidationError(f"theme {theme!r} is not one of the project's", key="error.theme")
    reason = t("staff.suggest.accepted_reason", lang)
    return store.set_theme(reaction_id, str(theme), actor=name, reason=reason)


def reject_theme(
    store: Store, reaction_id: str, theme: object, *, actor: object, lang: str = "nl"
) -> None:
    """Note in the audit log that a moderator rejected the theme suggested for a reaction.

    The staff app then suggests no theme for it again.
    """
    name = moderator_name(actor)
    reason = t("staff.suggest.rejected_reason", lang, theme=check_reason(theme, what="theme"))
    store.log("reject-theme", actor=name, reason=reason, reaction_id=reaction_id)


def judge_duplicate(
    store: Store,
    a: str,
    b: str,
    *,
    same: bool,
    actor: object,
    reason: object = "",
    lang: str = "nl",
) -> bool:
    """Record that reactions ``a`` and ``b`` make the same point (``same``), or not, audited.

    Nothing is deleted or hidden: the report counts linked reactions as one point. Without a
    reason the log says "zelfde punt" or "geen dubbel".

    Raises
    ------
    ValidationError
        When the name is refused, the reason too long, or ``a`` is ``b``.
    """
    name = moderator_name(actor)
    why = check_reason(reason, empty=None, too_long="staff.error.reason_long")
    why = why or t("staff.link.same_reason" if same else "staff.link.other_reason", lang)
    return store.link(a, b, same=same, actor=name, reason=why)
