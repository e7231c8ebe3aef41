"""What an IMR Final Determination letter says, as frozen dataclasses: the letter, its dates, each
disputed item with its outcome, and the guidelines cited for it."""

from __future__ import annotations

from dataclasses import dataclass, field

OUTCOMES = ("upheld", "overturned")
TIERS = ("MTUS", "ODG", "other", "none")


@dataclass(frozen=True)
class LetterCitation:
    """One guideline a decision was based on, as cited in the letter.

    Not :class:`imr_rules.model.Citation` (how a rule cites its guideline) although both name a
    guideline: a letter's citation is what a reviewer wrote, so its tier may be ``none`` ("did not
    cite any medical evidence") or ``other`` with no title, it may list several sections and pages,
    and it keeps the letter's own ``text``; a rule's citation always has a title, one section and
    an enum tier. Making one type of the two would loosen the rule's or lose the letter's.

    ``tier`` follows the California evidence hierarchy: ``MTUS`` (8 CCR 9792.20 ff.), ``ODG``
    (a non-MTUS guideline, but the one most cited), ``other`` (any other non-MTUS source, or
    "outside of the MTUS" with no source named) and ``none`` ("did not cite any medical evidence").
    """

    tier: str
    title: str | None = None
    year: int | None = None
    sections: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    chapter: str | None = None
    text: str = ""


@dataclass(frozen=True)
class DisputedItem:
    """One disputed item/service and its decision.

    ``description`` is the item as the letter words it in the decision heading. When utilization
    review certified part of a request, the heading names the original request and the remaining
    IMR-eligible portion: ``description`` is then the disputed portion and ``original_request``
    (and ``authorized_portion``, when stated) keep the rest.
    """

    index: int
    description: str
    outcome: str | None
    claims_admin_citations: tuple[LetterCitation, ...] = ()
    reviewer_citations: tuple[LetterCitation, ...] = ()
    rationale: str = ""
    original_request: str | None = None
    authorized_portion: str | None = None

    @property
    def partially_certified(self) -> bool:
        return self.original_request is not None


@dataclass(frozen=True)
class LetterDates:
    """The letter's header dates, as ISO ``YYYY-MM-DD`` strings (``None`` when absent)."""

    date_assigned: str | None = None
    decision_date: str | None = None
    date_of_injury: str | None = None
    ur_denial_date: str | None = None
    application_received: str | None = None


@dataclass(frozen=True)
class Letter:
    case_number: str | None
    dates: LetterDates = field(default_factory=LetterDates)
    priority: str | None = None
    reviewer_licensure: tuple[str, ...] = ()
    reviewer_specialty: tuple[str, ...] = ()
    patient_age: int | None = None
    patient_sex: str | None = None
    case_summary: str = ""
    items: tuple[DisputedItem, ...] = ()
    warnings: tuple[str, ...] = ()
    source: str | None = None

    # Convenience accessors so callers can write letter.decision_date.
    @property
    def decision_date(self) -> str | None:
        return self.dates.decision_date

    @property
    def date_assigned(self) -> str | None:
        return self.dates.date_assigned

    @property
    def date_of_injury(self) -> str | None:
        return self.dates.date_of_injury

    @property
    def ur_denial_date(self) -> str | None:
        return self.dates.ur_denial_date

    @property
    def application_received(self) -> str | None:
        return self.dates.application_received
