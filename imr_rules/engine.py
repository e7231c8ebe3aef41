"""The engine: a pure function from (request, rule set) to a :class:`Report`.

For each item: pick the rules that apply (category, codes or keywords; the edition in force on
the request date; MTUS first, ODG where MTUS is silent or where a rule supplements it), evaluate
every criterion with three-valued logic, and combine. Then weigh the findings as a reviewer does:
where a rule fails on documented facts, what is merely undocumented beside it is not weighed
(:func:`documented_failures`); within a rule that could still pass, an open question that no way
of passing needs is not weighed either (:func:`moot_findings`). The outcome never depends on the
weighing. There is no global state: the same request and rule set always give the same report,
so the function maps onto pandas, Dask or Spark as is.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from functools import lru_cache
from operator import attrgetter
from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple

from imr_rules.requests.derived import item_facts
from imr_rules.reference.diagnoses import diagnosis_notes
from imr_rules.reference.formulary import item_formulary
from imr_rules.reference.guidelines import definitions_in_force, guideline_in_force, no_rule_reason
from imr_rules.requests.derive_clinical import surgery_date_notes
from imr_rules.model import (
    Criterion,
    Determination,
    Finding,
    Item,
    Outcome,
    Report,
    Request,
    Role,
    Rule,
    RuleResult,
    Status,
    replaced,
)
from imr_rules.applicability import applicability_findings
from imr_rules.rationale import decided_by_ids, rationale, wording
from imr_rules.ruleset.loading import RuleSet, reference_statuses
from imr_rules.weighing import minimal_passing_sets


def evaluate(request: Request, ruleset: RuleSet) -> Report:
    """Decide every item of a request; the one entry point of the library."""
    determinations = tuple(evaluate_item(request, item, ruleset) for item in request.items)
    notes = ()
    if request.request_date is None:
        notes = ("The request gives no request_date: the latest edition of each guideline was applied.",)
    notes += request.notes + diagnosis_notes(request) + surgery_date_notes(request)
    return Report(request, determinations, ruleset.version, ruleset.hash, notes, ruleset.name, ruleset.packs)


class Decision(NamedTuple):
    """The decision for one item without its wording: the fast path for batch analysis.

    ``statuses`` and ``certifiable`` hold, rule by rule, each criterion's status and certifiable
    quantity; ``unknown``, rule by rule, the positions of the criteria whose applicability is not
    documented (their status is what it would be if they applied); ``weighings``, each rule
    weighed as a reviewer weighs it (:class:`Weighing`: the decision reads what it needs of it,
    and the findings the rest). A NamedTuple rather than a frozen dataclass: equally immutable,
    and several times cheaper to create, which matters at hundreds of thousands of items per second.
    """

    outcome: Outcome
    rules: tuple[Rule, ...]
    statuses: tuple[tuple[Status, ...], ...]
    certifiable: tuple[tuple[int | None, ...], ...]
    certifiable_quantity: int | None
    # No defaults: the findings are made rule by rule from ``weighings``, so a Decision made without
    # them would silently have none.
    unknown: tuple[tuple[int, ...], ...]
    weighings: tuple[Weighing, ...]


_NO_RULE = (Outcome.NO_APPLICABLE_RULE, (), (), (), None, (), ())


def decide(request: Request, item: Item, ruleset: RuleSet) -> Decision:
    """Select the rules for an item and evaluate every criterion; no text is produced."""
    facts = item.values if item.values is not None else item_facts(request, item)[0]
    return _reference_decision(applicable_rules(item, facts, ruleset, request), facts)


def _reference_decision(rules: tuple[Rule, ...], facts: Mapping[str, Any]) -> Decision:
    if not rules:
        return Decision(*_NO_RULE)
    all_statuses, all_certifiable, all_unknown, weighings = [], [], [], []
    for rule in rules:
        statuses, certifiable, unknown = reference_statuses(rule.criteria, facts)
        all_statuses.append(statuses)
        all_certifiable.append(certifiable)
        all_unknown.append(unknown)
        weighings.append(_weigh(rule, statuses, certifiable, unknown, facts))
    return _combine(rules, tuple(all_statuses), tuple(all_certifiable), tuple(all_unknown), tuple(weighings))


def _combine(rules: tuple[Rule, ...], statuses: tuple, certifiable: tuple, unknown: tuple,
             weighings: tuple[Weighing, ...]) -> Decision:
    """The decision from every rule's criterion statuses and certifiable quantities.

    While it is not documented which criteria of a rule apply, the rule is not met, and no part
    of the request is certifiable: IMR does not certify "whether this is a first request or
    ongoing treatment is unclear".
    """
    # Advisory criteria (decisive: false) are reported with their real status but decide nothing:
    # the weighings' deciding statuses count them as not applicable.
    if all(r.role is Role.SUPPLEMENT for r in rules):
        # Only legal limits apply: they decide when one is not met, and otherwise leave the item
        # undecided (with their findings shown), since the guideline's own criteria are not here.
        if not any(Status.NOT_MET in w.deciding for w in weighings):
            return Decision(Outcome.NO_APPLICABLE_RULE, rules, statuses, certifiable, None, unknown, weighings)
    elif all(map(_PASSES, weighings)):
        return Decision(Outcome.MEDICALLY_NECESSARY, rules, statuses, certifiable, None, unknown, weighings)
    quantity = None if any(map(_UNDECIDED, weighings)) else _certifiable_quantity(map(_DECIDING, weighings), certifiable)
    return Decision(Outcome.NOT_MEDICALLY_NECESSARY, rules, statuses, certifiable, quantity, unknown, weighings)


_PASSES, _UNDECIDED, _DECIDING = attrgetter("passes"), attrgetter("undecided"), attrgetter("deciding")


# The selection memos are bounded so that a long batch of items with free-text services (selected
# by keywords) or many dates cannot grow memory without end; clearing costs only recomputation.
_MEMO_LIMIT = 20_000


@dataclass
class _Memo:
    """What the engine remembers for one rule set. None of it changes a result, only its speed.

    by_era     (category, codes, service if uncategorised, era) -> the candidate rules
    boundaries the dates where some edition starts or ends, sorted
    """

    boundaries: list
    by_era: dict = field(default_factory=dict)

    def era(self, day) -> int:
        """Which span between edition boundaries a day falls in (same span = same editions in force)."""
        return -1 if day is None else bisect.bisect_right(self.boundaries, day)


def _memo(ruleset: RuleSet) -> _Memo:
    memo = ruleset.memo.get("engine")
    if memo is None:
        edges = {e.effective_from for r in ruleset.rules for e in r.editions if e.effective_from}
        # An edition that runs to the last day a date can hold (9999-12-31) has no boundary after it.
        edges |= {e.effective_to + dt.timedelta(days=1) for r in ruleset.rules for e in r.editions
                  if e.effective_to and e.effective_to < dt.date.max}
        memo = ruleset.memo["engine"] = _Memo(sorted(edges))
    return memo


def _candidates(item: Item, ruleset: RuleSet, day) -> tuple[Rule, ...]:
    """The rules selected by category/code/keyword and in force on the day (before any ``when``).

    It depends only on the item's category, codes, (when it has no category) service text, and
    which editions are in force on the day, so it is remembered by those.
    """
    memo = _memo(ruleset)
    key = (item.category, item.codes, item.service if item.category is None else None, memo.era(day))
    candidates = memo.by_era.get(key)
    if candidates is None:
        if len(memo.by_era) > _MEMO_LIMIT:
            memo.by_era.clear()
        candidates = tuple(rule for rule in ruleset.rules if _selects(rule, item) and rule.edition_on(day) is not None)
        memo.by_era[key] = candidates
    return candidates


def evaluate_item(request: Request, item: Item, ruleset: RuleSet) -> Determination:
    """The decision for one item with its findings, remedies and rationale."""
    decision = decide(request, item, ruleset)
    facts, evidence = item_facts(request, item)
    decided_by = documented_failures(decision)
    results = tuple([
        _rule_result(rule, weighing, statuses, certifiable, unknown, item, facts, evidence, request, ruleset.vocabulary, decided_by)
        for rule, weighing, statuses, certifiable, unknown
        in zip(decision.rules, decision.weighings, decision.statuses, decision.certifiable, decision.unknown)
    ])
    unit = decision.rules[0].unit if decision.rules else "units"
    category = _category(item, decision.rules, ruleset)
    guideline = guideline_in_force(
        category, request.request_date, body_region=facts.get("item.body_region"),
        postsurgical=facts.get("item.postsurgical") is True, weeks_since_injury=facts.get("injury.weeks_since"),
    )
    remedies, incurable = _remedies(results, decision)
    return Determination.make(
        item=item,
        outcome=decision.outcome,
        rule_results=results,
        certifiable_quantity=decision.certifiable_quantity,
        remedies=remedies,
        rationale=rationale(item, results, decision.outcome, decision.certifiable_quantity, unit),
        notes=_notes(item, decision.rules) + _withheld_remedies_note(incurable) + _unconfirmed_note(request, item),
        guideline=guideline,
        reason=no_rule_reason(category, request.request_date) if decision.outcome is Outcome.NO_APPLICABLE_RULE else None,
        formulary=item_formulary(facts, request.request_date),
        definitions=definitions_in_force(_facts_read(decision), request.request_date),
    )


def _remedies(results: tuple[RuleResult, ...], decision: Decision) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What would cure the request; and, where nothing would, the documented failures that
    leave the other remedies out.

    The weighed failures' remedies come first. An unweighed finding's remedy follows them: alone it
    would not cure the request (a documented failure decides it whatever the records show), but
    once the documented failures are cured it is what still stands between the request and the
    guideline, so a list that left it out would not meet it. Where a rule fails on documented
    facts even with every remedy applied (a treatment the guideline does not recommend here), the
    other failures' remedies would not meet the guideline either: offering them ("reduce the request to 6 visits")
    would mislead. A failure without a remedy of its own does not make the request incurable where
    the rule has another way to pass (``any: [IM-E1, IM-E2]``: no red flag, but a failed period of
    conservative care, which its remedy asks for, would do). A finding moot within its rule
    (``only_through``) matters only once the documented failures that leave it moot are cured: where
    one of them has no remedy, its own remedy would never help, and is left out.
    """
    cures = [f for r in results for f in r.findings if f.remedy]
    if not cures:  # nothing fails (a necessary item), or nothing that fails has a remedy
        return (), ()
    with_remedy = {f"{f.rule_id}/{f.criterion_id}" for f in cures}
    findings = [f for f in cures if not f.only_through or with_remedy.issuperset(f.decided_by)]
    # The weighed first (a stable sort: reverse keeps the order of equals).
    findings.sort(key=_WEIGHED_KEY, reverse=True)
    remedies = tuple(dict.fromkeys([f.remedy for f in findings]))
    if not remedies:
        return (), ()
    remedied = frozenset(f"{f.rule_id}/{f.criterion_id}" for f in findings)
    incurable = _failures_in_favour(decision, remedied)
    if incurable:
        return (), incurable
    return remedies, ()


_WEIGHED_KEY = attrgetter("weighed")


def _withheld_remedies_note(incurable: tuple[str, ...]) -> tuple[str, ...]:
    if not incurable:
        return ()
    return (f"No remedy is offered: the request fails on {decided_by_ids(incurable)}, which neither documentation nor a smaller quantity would meet.",)


def _facts_read(decision) -> set[str]:
    """The facts that the criteria applying to the item read (not those found not applicable)."""
    return set().union(*[criterion.facts_used for rule, statuses in zip(decision.rules, decision.statuses)
                         for criterion, status in zip(rule.criteria, statuses) if status is not Status.NOT_APPLICABLE])


def _category(item: Item, rules: tuple[Rule, ...], ruleset: RuleSet) -> str | None:
    """The item's category: given, else that of the rules selecting it (in any era), else None."""
    if item.category is not None:
        return item.category
    for rule in rules or (r for r in ruleset.rules if _selects(r, item)):
        if rule.categories:
            return rule.categories[0]
    return None


def applicable_rules(item: Item, facts: Mapping[str, Any], ruleset: RuleSet, request: Request) -> tuple[Rule, ...]:
    """The rules that decide this item: primary (MTUS) and supplements, else fallbacks (ODG)."""
    candidates = _candidates(item, ruleset, request.request_date)
    return _by_role([rule for rule in candidates if rule.when is None or rule.when(facts) is not False])


_ROLE_ORDER = {Role.PRIMARY: 0, Role.FALLBACK: 1, Role.SUPPLEMENT: 2}


def _by_role(matched: list[Rule]) -> tuple[Rule, ...]:
    primaries = [r for r in matched if r.role is Role.PRIMARY]
    chosen = primaries if primaries else [r for r in matched if r.role is Role.FALLBACK]
    # A supplement only adds to a rule that decides; alone it would decide on a fraction of the
    # guideline's criteria, and an item must never look necessary for want of rules.
    if chosen:
        chosen += [r for r in matched if r.role is Role.SUPPLEMENT]
    else:
        chosen = [r for r in matched if r.role is Role.SUPPLEMENT and r.limit]
    return tuple(sorted(chosen, key=lambda r: (_ROLE_ORDER[r.role], r.id)))


def _selects(rule: Rule, item: Item) -> bool:
    """Category or code decides when the item has them; keywords of the service text otherwise.

    Keywords match whole words in order, ignoring case and punctuation ("EMG/NCV" matches the
    keyword "emg ncv"); comparing word sequences needs no regular expression per rule.
    """
    if item.category is not None and item.category in rule.categories:
        return True
    if item.codes and set(item.codes) & set(rule.codes):
        return True
    if item.category is None and rule.keywords:
        # map rather than a generator: an item no rule decides is matched against every rule's keywords.
        return any(map(_words(item.service).__contains__, map(_words, rule.keywords)))
    return False


_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=4096)
def _words(text: str) -> str:
    """' word word word ' : lower-case words between single spaces, padded, for whole-word search."""
    return " " + " ".join(_WORD.findall(text.lower())) + " "


def _deciding(rule: Rule, statuses: tuple, unknown: tuple) -> tuple[tuple, tuple]:
    """The statuses and unknown criteria that decide: an advisory criterion counts as not applicable."""
    advisory = rule.advisory
    if not advisory:
        return statuses, unknown
    return (tuple(Status.NOT_APPLICABLE if i in advisory else s for i, s in enumerate(statuses)),
            tuple(i for i in unknown if i not in advisory))


def rule_passes(rule: Rule, statuses: tuple[Status, ...]) -> bool:
    """Whether a rule's criteria, with these statuses (in criterion order), satisfy its logic."""
    if rule.all_required:
        return Status.NOT_MET not in statuses and Status.NOT_DOCUMENTED not in statuses
    return rule.logic(dict(zip(rule.criterion_ids, statuses))) in (True, "skip")


class Weighing(NamedTuple):
    """One rule's criteria as a reviewer weighs them, for one item.

    Worked out once per rule and item, with the decision: the decision, the documented failures,
    the remedies and the findings all read it (each used to work it out again).
    """

    settled: bool  # whether the rule's own applicability is documented (no ``when``, or true)
    deciding: tuple[Status, ...]  # the statuses that decide (:func:`_deciding`)
    undecided: tuple[int, ...]  # the deciding criteria whose applicability is unknown
    conditional: tuple[bool, ...]  # per criterion: applicability open, or applying only by default
    favoured: tuple[Status, ...]  # per criterion: its status resolved in the request's favour
    passes: bool  # whether the rule, on its own, is met (its outcome)
    fails: bool  # whether it fails on documented facts: settled, and failing even when favoured


def _weigh(rule: Rule, statuses: tuple, certifiable: tuple, unknown: tuple, facts: Mapping[str, Any]) -> Weighing:
    deciding, undecided = _deciding(rule, statuses, unknown)
    conditional, favoured = _resolved_in_favour(rule, deciding, undecided, certifiable, facts)
    # A rule whose own applicability (``when``) is not documented fails on nothing documented.
    settled = rule.when is None or rule.when(facts) is True
    return Weighing(settled, deciding, undecided, conditional, favoured,
                    not undecided and rule_passes(rule, deciding), settled and not rule_passes(rule, favoured))


def documented_failures(decision: Decision) -> tuple[str, ...]:
    """The documented failures that decide an item whatever the records may yet show, as
    ``rule/CRITERION`` labels in rule and criterion order; () when no rule fails on documented facts.

    A rule *fails on documented facts* when, by its own logic, it still fails with every open
    question resolved in the request's favour (see :func:`in_favour`). Then documenting what is
    not documented could not change the outcome, and a reviewer does not weigh it: the denial
    rests on the documented failure. A rule whose own applicability (``when``) is not documented
    fails on nothing documented.
    """
    return tuple([f"{rule.id}/{criterion.id}" for rule, weighing in zip(decision.rules, decision.weighings) if weighing.fails
                  for criterion, status in zip(rule.criteria, weighing.favoured) if status is Status.NOT_MET])


def _failures_in_favour(decision: Decision, remedied: frozenset[str]) -> tuple[str, ...]:
    """The criteria still not met in the rules that fail with every open question resolved in the
    request's favour and the ``remedied`` criteria (``rule/CRITERION``) taken as met."""
    failures: list[str] = []
    for rule, weighing in zip(decision.rules, decision.weighings):
        if not weighing.settled:
            continue
        # The label is made only for a failure that a remedy may have cured.
        favoured = tuple([
            Status.MET if status is Status.NOT_MET and f"{rule.id}/{criterion.id}" in remedied else own
            for criterion, status, own in zip(rule.criteria, weighing.deciding, weighing.favoured)])
        if not rule_passes(rule, favoured):
            failures.extend(f"{rule.id}/{criterion.id}" for criterion, status in zip(rule.criteria, favoured)
                            if status is Status.NOT_MET)
    return tuple(failures)


def _resolved_in_favour(rule: Rule, deciding: tuple[Status, ...], undecided: tuple[int, ...], certifiable: tuple,
                        facts: Mapping[str, Any]) -> tuple[tuple[bool, ...], tuple[Status, ...]]:
    """Per criterion of a rule (deciding statuses, see :func:`_deciding`): whether it is not
    documented that it applies (an open question of applicability or its rule's default), and its
    status resolved in the request's favour (:func:`in_favour`)."""
    conditional = tuple([i in undecided or (c.applies_by_default is not None and applies_by_default(c, facts))
                         for i, c in enumerate(rule.criteria)])
    if Status.NOT_MET not in deciding and Status.NOT_DOCUMENTED not in deciding:
        return conditional, deciding  # in_favour changes no other status: a rule without gaps is as it is
    return conditional, tuple([in_favour(s, c, q) for s, c, q in zip(deciding, conditional, certifiable)])


def in_favour(status: Status, applicability_unknown: bool, certifiable: int | None) -> Status:
    """A criterion's status with what is not documented resolved in the request's favour.

    Not documented: taken as met. Not met where it is not documented whether the criterion
    applies: taken as not applicable. Not met where a smaller quantity would meet it (a
    certifiable quantity: partial certification stays possible): taken as met. What remains not
    met is a documented failure.
    """
    if status is Status.NOT_DOCUMENTED:
        return Status.MET
    if status is Status.NOT_MET:
        if applicability_unknown:
            return Status.NOT_APPLICABLE
        if certifiable:
            return Status.MET
    return status


def applies_by_default(criterion: Criterion, facts: Mapping[str, Any]) -> bool:
    """Whether the criterion applies only by its rule's ``applies_if_undocumented`` default (what
    decides it is not documented): its failure rests on what is not documented, as a conditional one's."""
    return criterion.applies_by_default is not None and criterion.applies_by_default(facts) is None


def _rests_on_silence(status: Status, conditional: bool) -> bool:
    """Whether a finding rests on what the records do not document: not documented, or failing
    where it is not documented whether the criterion applies."""
    return status is Status.NOT_DOCUMENTED or (conditional and status is Status.NOT_MET)


class Moot(NamedTuple):
    """Why an open finding is moot within its rule (see :func:`moot_findings`)."""

    decided_by: tuple[str, ...]  # the documented failures that leave it moot, ``rule/CRITERION``
    only_through: tuple[tuple[str, ...], ...]  # the ways the rule could still be met


def moot_findings(rule: Rule, weighing: Weighing) -> dict[int, Moot]:
    """Weighing within a rule that does not fail on documented facts: the open findings (by
    criterion position) that could not change whether it passes.

    An open question (what :func:`in_favour` would change) is weighed only if it belongs to some
    minimal set of open questions whose favourable resolution, the documented findings fixed as
    they are, meets the rule. In low-back imaging (``any: [IM-L3, all: [IM-L1, IM-L2, IM-L4,
    IM-L5]]``) with IM-L1 documented not met, only a red flag (IM-L3) could meet it: documenting
    IM-L2 or IM-L4 cannot change the outcome. Such a finding is moot where it rests on the records'
    silence; the documented failures that leave it moot are those that share a minimal way of
    passing with it once documented failures may be cured too (IM-L1). Under ``all`` every open
    question is needed (or the rule fails on documented facts), so nothing is moot. The rule's
    own logic decides every set (:func:`rule_passes`); too many open questions: nothing is moot.
    """
    if rule.all_required:
        return {}
    deciding, conditional, favoured = weighing.deciding, weighing.conditional, weighing.favoured
    open_questions = tuple(i for i, (s, f) in enumerate(zip(deciding, favoured)) if s is not f)
    failures = tuple(i for i, f in enumerate(favoured) if f is Status.NOT_MET)
    if not open_questions or not failures:
        return {}

    def passes(changed: frozenset[int]) -> bool:
        # A changed open question takes its favourable status; a changed documented failure is cured.
        return rule_passes(rule, tuple(
            (Status.MET if i in failures else favoured[i]) if i in changed else status
            for i, status in enumerate(deciding)))

    ways = minimal_passing_sets(open_questions, passes)
    if not ways:  # the rule fails on documented facts (documented_failures weighs it), or too many
        return {}
    cured_ways = minimal_passing_sets(open_questions + failures, passes) or ()
    label = lambda i: f"{rule.id}/{rule.criteria[i].id}"  # noqa: E731
    only_through = tuple(tuple(label(i) for i in sorted(way)) for way in ways)
    moot = {}
    for index in open_questions:
        if any(index in way for way in ways) or not _rests_on_silence(deciding[index], conditional[index]):
            continue
        deciders = sorted({i for way in cured_ways if index in way for i in way if i in failures})
        if deciders:  # moot for want of documented failures (a redundant criterion): still weighed
            moot[index] = Moot(tuple(label(i) for i in deciders), only_through)
    return moot


_WEIGHED = Moot((), ())  # a weighed finding: decided by nothing else, moot in no way


def _rule_result(rule: Rule, weighing: Weighing, statuses, certifiable, unknown, item: Item, facts: Mapping[str, Any],
                 evidence: Mapping[str, str], request: Request, vocabulary, decided_by: tuple[str, ...] = ()) -> RuleResult:
    # An open question that only advisory criteria hang on is no finding of its own; beside a
    # documented failure it is still reported, as an open question not weighed.
    asked = unknown if unknown and any(i not in rule.advisory for i in unknown) else ()
    findings = [f if not decided_by else replaced(f, weighed=False, decided_by=decided_by)
                for f in applicability_findings(rule, asked, facts, vocabulary)] if asked else []
    # The open question of applicability is never moot within its rule: the rule cannot pass while
    # it is open. Criteria are weighed within the rule only where no rule fails on documented facts.
    moot = {} if decided_by else moot_findings(rule, weighing)
    rule_id, unit, conditional = rule.id, rule.unit, weighing.conditional
    for index, (criterion, status, quantity) in enumerate(zip(rule.criteria, statuses, certifiable)):
        said, cure = wording(criterion, status, quantity, facts, item, unit)
        # Not weighed: a deciding finding that rests on what is not documented (not documented, or
        # failing where its applicability is not documented) beside a documented failure.
        weighed = not decided_by or not criterion.decisive or not _rests_on_silence(status, conditional[index])
        why_not = moot.get(index) or (_WEIGHED if weighed else Moot(decided_by, ()))
        values, quotes = _read(criterion.facts_used, facts, evidence)
        # Finding.make, not Finding(...) (see records.with_make); rule_id and
        # criterion_id by position: CPython compiles a call whose arguments take more than 30
        # stack slots (a keyword takes two) into one that packs them into a dict first.
        findings.append(
            Finding.make(
                rule_id,
                criterion.id,
                requirement=criterion.requirement,
                status=status,
                statement=said,
                values=values,
                evidence=quotes,
                remedy=cure,
                certifiable_quantity=quantity,
                citation=criterion.citation,
                conditional=index in unknown,
                decisive=criterion.decisive,
                why=criterion.why,
                weighed=weighed and index not in moot,
                decided_by=why_not.decided_by,
                only_through=why_not.only_through,
            )
        )
    edition = rule.edition_on(request.request_date)
    outcome = Outcome.MEDICALLY_NECESSARY if weighing.passes else Outcome.NOT_MEDICALLY_NECESSARY
    return RuleResult(rule_id, rule.title, rule.role, edition.citation, rule.summary, tuple(findings), outcome, rule.pack)


def _read(names: tuple[str, ...], facts: Mapping[str, Any], evidence: Mapping[str, str]) -> tuple[tuple, tuple]:
    """The values and the evidence quotes of the facts a criterion reads, in its order."""
    values, quotes = [], []
    for name in names:
        if name in facts:
            values.append((name, facts[name]))
        if name in evidence:
            quotes.append((name, evidence[name]))
    return tuple(values), tuple(quotes)


def _certifiable_quantity(statuses, certifiable) -> int | None:
    """Where only quantity limits fail, the largest quantity that meets them all (else None)."""
    smallest = None
    for rule_statuses, rule_quantities in zip(statuses, certifiable):
        for status, quantity in zip(rule_statuses, rule_quantities):
            if status is Status.NOT_MET or status is Status.NOT_DOCUMENTED:
                if quantity is None:
                    return None  # a failure that no smaller quantity would cure
                if smallest is None or quantity < smallest:
                    smallest = quantity
    return smallest if smallest else None


_PROVENANCE = attrgetter("provenance")


def _unconfirmed_note(request: Request, item: Item) -> tuple[str, ...]:
    """Facts drafted from documents (``imr-rules draft``) that no reviewer has confirmed yet."""
    # Nearly every request has no drafted fact at all (none with a provenance), let alone one left
    # unconfirmed: it needs no merging and sorting, nor a look at each fact's confirmation (a
    # Provenance is never false, a missing one is None).
    if not any(map(_PROVENANCE, request.facts.values())) and not any(map(_PROVENANCE, item.facts.values())):
        return ()
    facts = {**request.facts, **item.facts}
    names = sorted(name for name, fact in facts.items() if fact.unconfirmed)
    if not names:
        return ()
    return ("Drafted facts not yet confirmed by a reviewer (check them against the records): " + ", ".join(names) + ".",)


def _notes(item: Item, rules: tuple[Rule, ...]) -> tuple[str, ...]:
    notes = []
    if item.quantity is None and rules:
        notes.append("The request does not state a quantity (or frequency and duration).")
    unconfirmed = sorted({r.id for r in rules if r.confidence == "REC"})
    if unconfirmed:
        notes.append(
            "Some criteria come from recalled guideline text, to be confirmed against a primary copy: "
            + ", ".join(unconfirmed) + "."
        )
    return tuple(notes)
