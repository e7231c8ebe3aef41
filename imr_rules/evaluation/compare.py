"""Our decisions beside the real IMR outcomes: agreement figures and every disagreement explained.

Each annotated case item is decided by the engine and set beside the letter's outcome. Ours
``not_medically_necessary`` corresponds to *upheld* (the denial stands), ``medically_necessary``
to *overturned*; ``no_applicable_rule`` is counted apart as not covered and left out of the
agreement figures. "Positive" is *overturned* throughout: about nine items in ten are upheld, so
accuracy alone says little, and the figures that matter are overturn recall and precision,
balanced accuracy and Cohen's kappa.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

from imr_rules.evaluation.branches import branch_deciding_sets
from imr_rules.evaluation.cases import Case
from imr_rules.evaluation.reasons import ReasonFigures, deciding_sets, reason_figures
from imr_rules.model import Outcome, Status

UPHELD, OVERTURNED = "upheld", "overturned"
# The IMR outcome each of our decisions amounts to.
AS_IMR_OUTCOME = {
    Outcome.NOT_MEDICALLY_NECESSARY: UPHELD,
    Outcome.MEDICALLY_NECESSARY: OVERTURNED,
}
FAILING = (Status.NOT_MET, Status.NOT_DOCUMENTED)


@dataclass(frozen=True)
class FailingCriterion:
    """A criterion that drove a denial: not met, or not documented."""

    rule_id: str
    criterion_id: str
    status: str
    statement: str
    # False where the engine found it not weighed: it rests on what is not documented, beside a
    # documented failure that decides the item anyway (model.Finding.weighed).
    weighed: bool = True

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.criterion_id} ({self.status_text})"

    @property
    def status_text(self) -> str:
        """'not met', 'not documented', 'not documented, not weighed'."""
        return self.status.replace("_", " ") + ("" if self.weighed else ", not weighed")

    @property
    def label(self) -> str:
        """``rule/CRITERION``, as case files name a reviewer's reason."""
        return f"{self.rule_id}/{self.criterion_id}"


@dataclass(frozen=True)
class ItemComparison:
    case_number: str
    item_index: int
    description: str
    category: str | None
    actual: str
    ours: str
    rule_ids: tuple[str, ...]
    failing_criteria: tuple[FailingCriterion, ...]
    reviewer_citation: str | None
    decision_date: str | None
    source: str | None
    # The disputed surgery's index where IMR decides this item with it (reported apart).
    depends_on: int | None = None
    # The reviewer's stated reasons (None: not recorded).
    reasons: tuple | None = None
    # The "no facts" baseline: the same item decided from the RFA alone.
    no_facts: str | None = None
    no_facts_failing: tuple[FailingCriterion, ...] = ()
    # Each failing rule's deciding sets (evaluation.reasons.deciding_sets), ours and the baseline's.
    deciding: tuple[tuple[frozenset, ...], ...] = ()
    no_facts_deciding: tuple[tuple[frozenset, ...], ...] = ()

    @property
    def covered(self) -> bool:
        return self.ours != Outcome.NO_APPLICABLE_RULE.value

    @property
    def independent(self) -> bool:
        """Not decided with a surgery disputed in the same letter: a test of our rules."""
        return self.depends_on is None

    @property
    def no_facts_as_imr(self) -> str | None:
        return None if self.no_facts is None else AS_IMR_OUTCOME.get(Outcome(self.no_facts))

    @property
    def ours_as_imr(self) -> str | None:
        """Our decision in IMR terms (upheld / overturned), None when no rule applies."""
        return AS_IMR_OUTCOME.get(Outcome(self.ours))

    @property
    def agree(self) -> bool | None:
        return None if not self.covered else self.ours_as_imr == self.actual


@dataclass(frozen=True)
class Metrics:
    """A 2x2 confusion matrix (positive = overturned) and the figures read from it.

    A figure is None where it is undefined (a zero denominator), never a made-up 0 or 1.
    """

    true_overturned: int  # IMR overturned, we said medically necessary
    false_overturned: int  # IMR upheld, we said medically necessary
    missed_overturned: int  # IMR overturned, we said not medically necessary
    true_upheld: int  # IMR upheld, we said not medically necessary

    @property
    def n(self) -> int:
        return self.true_overturned + self.false_overturned + self.missed_overturned + self.true_upheld

    @property
    def accuracy(self) -> float | None:
        return _ratio(self.true_overturned + self.true_upheld, self.n)

    @property
    def overturn_recall(self) -> float | None:
        return _ratio(self.true_overturned, self.true_overturned + self.missed_overturned)

    @property
    def overturn_precision(self) -> float | None:
        return _ratio(self.true_overturned, self.true_overturned + self.false_overturned)

    @property
    def upheld_recall(self) -> float | None:
        """Specificity: of the upheld items, the share we also found not medically necessary."""
        return _ratio(self.true_upheld, self.true_upheld + self.false_overturned)

    @property
    def balanced_accuracy(self) -> float | None:
        recall, specificity = self.overturn_recall, self.upheld_recall
        if recall is None or specificity is None:
            return None
        return (recall + specificity) / 2

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa: agreement beyond what the two marginal distributions give by chance."""
        n = self.n
        if n == 0:
            return None
        observed = (self.true_overturned + self.true_upheld) / n
        ours_overturned = self.true_overturned + self.false_overturned
        actual_overturned = self.true_overturned + self.missed_overturned
        expected = (ours_overturned * actual_overturned + (n - ours_overturned) * (n - actual_overturned)) / (n * n)
        if expected == 1:
            return None  # both raters gave one answer only: chance explains everything
        return (observed - expected) / (1 - expected)

    def as_dict(self) -> dict:
        return {
            "n": self.n,
            "confusion": {
                "overturned_ours_necessary": self.true_overturned,
                "overturned_ours_not_necessary": self.missed_overturned,
                "upheld_ours_necessary": self.false_overturned,
                "upheld_ours_not_necessary": self.true_upheld,
            },
            "accuracy": _round(self.accuracy),
            "balanced_accuracy": _round(self.balanced_accuracy),
            "overturn_recall": _round(self.overturn_recall),
            "overturn_precision": _round(self.overturn_precision),
            "kappa": _round(self.kappa),
        }


@dataclass(frozen=True)
class CategoryFigures:
    category: str
    items: int
    covered: int
    actual_overturned: int
    metrics: Metrics


@dataclass(frozen=True)
class Comparison:
    """All items; the figures are over the independent ones (``depends_on`` items are apart)."""

    items: tuple[ItemComparison, ...]
    metrics: Metrics
    by_category: tuple[CategoryFigures, ...]
    ruleset_version: str
    # The same figures for baselines decided over the same items: "always upheld", "no facts".
    baselines: tuple[tuple[str, Metrics], ...] = ()
    # Reason figures: ours first, then the baselines'.
    reasons: tuple[tuple[str, ReasonFigures], ...] = ()
    # What else identifies the rule set: its name, its hash (covering the packs) and its packs.
    ruleset_name: str = ""
    ruleset_hash: str = ""
    packs: tuple = ()

    @property
    def independent(self) -> tuple[ItemComparison, ...]:
        return tuple(item for item in self.items if item.independent)

    @property
    def dependent(self) -> tuple[ItemComparison, ...]:
        """Items IMR decided with a surgery disputed in the same letter."""
        return tuple(item for item in self.items if not item.independent)

    @property
    def with_reasons(self) -> int:
        return sum(1 for item in self.independent if item.reasons is not None)

    @property
    def covered(self) -> int:
        return sum(1 for item in self.independent if item.covered)

    @property
    def not_covered(self) -> int:
        return len(self.independent) - self.covered

    @property
    def coverage(self) -> float | None:
        return _ratio(self.covered, len(self.independent))

    @property
    def disagreements(self) -> tuple[ItemComparison, ...]:
        return tuple(item for item in self.independent if item.agree is False)


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def metrics_of(items: Iterable[ItemComparison], decision: Callable[[ItemComparison], str | None] | None = None) -> Metrics:
    """The confusion matrix of the covered items (``decision``: a baseline's, ours by default)."""
    counts = {(OVERTURNED, OVERTURNED): 0, (UPHELD, OVERTURNED): 0, (OVERTURNED, UPHELD): 0, (UPHELD, UPHELD): 0}
    for item in items:
        ours = item.ours_as_imr if decision is None else decision(item)
        if ours is not None:
            counts[(item.actual, ours)] += 1
    return Metrics(
        true_overturned=counts[(OVERTURNED, OVERTURNED)],
        false_overturned=counts[(UPHELD, OVERTURNED)],
        missed_overturned=counts[(OVERTURNED, UPHELD)],
        true_upheld=counts[(UPHELD, UPHELD)],
    )


def compare_item(case: Case, item, ruleset) -> ItemComparison:
    """Decide one annotated item with the engine and set the decision beside IMR's."""
    from imr_rules.engine import evaluate_item

    request = item.request
    determination = evaluate_item(request, request.items[0], ruleset)
    failing = _failing(determination)
    bare = item.without_facts
    baseline = evaluate_item(bare, bare.items[0], ruleset) if bare is not None else None
    category = determination.item.category
    if category is None and determination.item.values is not None:
        category = determination.item.values.get("item.category")
    return ItemComparison(
        case_number=case.case_number,
        item_index=item.index,
        description=item.description,
        category=category,
        actual=item.outcome,
        ours=determination.outcome.value,
        rule_ids=tuple(result.rule_id for result in determination.rule_results),
        failing_criteria=failing,
        reviewer_citation=item.reviewer_citation,
        decision_date=case.decision_date,
        source=case.source,
        depends_on=item.depends_on,
        reasons=item.reasons,
        no_facts=baseline.outcome.value if baseline is not None else None,
        no_facts_failing=_failing(baseline) if baseline is not None else (),
        deciding=_deciding(determination, ruleset, request),
        no_facts_deciding=_deciding(baseline, ruleset, bare) if baseline is not None else (),
    )


def _deciding(determination, ruleset, request) -> tuple[tuple[frozenset, ...], ...]:
    """Per rule that decides not necessary, the minimal sets of failures that decide it; where an
    open applicability question decides which criteria apply, one family per answer
    (evaluation.branches), re-decided by the engine with ``request``.
    """
    out = []
    for result in determination.rule_results:
        if result.outcome is not Outcome.NOT_MEDICALLY_NECESSARY or ruleset.get(result.rule_id) is None:
            continue
        sets = branch_deciding_sets(result, determination, request, ruleset, lambda r: _rule_sets(r, ruleset))
        if sets is None:
            sets = _rule_sets(result, ruleset)
        if sets:
            out.append(sets)
    return tuple(out)


def _rule_sets(result, ruleset) -> tuple[frozenset, ...]:
    """One rule result's deciding sets.

    Only weighed findings decide: what the engine found not weighed (resting on what is not
    documented, beside a documented failure or moot within its rule) is resolved in the request's
    favour, as the engine resolved it (not documented as met, not met where applicability is
    unknown as not applicable).
    """
    from imr_rules.engine import in_favour, rule_passes

    rule = ruleset.get(result.rule_id)
    # An unweighed failure rests on what is not documented: not documented, or failing where it
    # is not documented whether it applies (the engine's own reading of "in the request's favour").
    favoured = {f.criterion_id: in_favour(f.status, applicability_unknown=True, certifiable=None)
                for f in result.findings if not f.weighed}
    passes = lambda statuses: rule_passes(  # noqa: E731
        rule, tuple(statuses.get(c, favoured.get(c, Status.NOT_APPLICABLE)) for c in rule.criterion_ids))
    return deciding_sets([f for f in result.findings if f.decisive and f.weighed], passes, FAILING, Status.MET)


def _undocumented(failing: Iterable[FailingCriterion]) -> frozenset[str]:
    return frozenset(f.label for f in failing if f.status == Status.NOT_DOCUMENTED.value)


def _failing(determination) -> tuple[FailingCriterion, ...]:
    """Every failing criterion (advisory ones drive no denial): the weighed first, then those not weighed."""
    failing = (
        FailingCriterion(f.rule_id, f.criterion_id, f.status.value, f.statement, f.weighed)
        for result in determination.rule_results
        for f in result.findings
        if f.status in FAILING and f.decisive
    )
    return tuple(sorted(failing, key=lambda f: not f.weighed))


def compare_cases(
    cases: Iterable[Case],
    ruleset,
    progress: Callable[[], None] | None = None,
    on_error: Callable[[Case, Exception], None] | None = None,
) -> Comparison:
    """Decide every annotated item and measure agreement with the real outcomes.

    Items are ordered by case number and item index, so the result does not depend on the order
    the files were given in. ``progress`` is called once per item (for a progress bar). With
    ``on_error``, a case whose evaluation meets an internal error (a bug) is handed to it and left
    out whole, and every other case is still compared; without it, the error propagates.
    """
    compared = []
    for case in cases:
        try:
            case_items = compare_case(case, ruleset)
        except Exception as exc:  # noqa: BLE001 - one case's bug must not abort the batch
            if on_error is None:
                raise
            on_error(case, exc)
            case_items = ()
        compared.extend(case_items)
        if progress is not None:
            for _ in case.items:
                progress()
    return comparison_of(compared, ruleset)


def compare_case(case: Case, ruleset) -> tuple[ItemComparison, ...]:
    """Every annotated item of one case decided and set beside IMR's outcome."""
    return tuple(compare_item(case, item, ruleset) for item in case.items)


class CaseFileResult(NamedTuple):
    """One case file compared: its items, its bad-input errors (the case is still compared where
    only its reasons name unknown criteria), and the internal error that left it out, if any."""

    path: str
    items: tuple[ItemComparison, ...]
    errors: tuple[str, ...] = ()
    internal: str | None = None


def compare_file(path: str | Path, ruleset) -> CaseFileResult:
    """Load one case file and compare it (in this process or in a worker); errors are lines."""
    import os

    from imr_rules.errors import ImrRulesError
    from imr_rules.evaluation.cases import load_case

    try:
        case = load_case(path, ruleset.vocabulary)
    except ImrRulesError as error:
        return CaseFileResult(str(path), (), (error.one_line(),))
    # A reason naming no criterion of ours would silently count as a missed reason.
    errors = tuple(error.one_line() for error in unknown_reason_criteria(case, ruleset))
    try:
        return CaseFileResult(str(path), compare_case(case, ruleset), errors)
    except Exception as exc:  # noqa: BLE001 - one case's bug must not abort the batch
        if os.environ.get("IMR_RULES_DEBUG"):
            raise
        from imr_rules.batch import internal_error_line

        return CaseFileResult(str(path), (), errors, internal_error_line(str(case.source), exc))


def compare_files(paths: Iterable[str | Path], ruleset, jobs: int = 1, rule_paths: list[str] | None = None,
                  progress: Callable[[], None] | None = None, warmup: float | None = None,
                  ) -> tuple[Comparison, list[str], list[str]]:
    """Compare case files, over ``jobs`` worker processes: (comparison, bad-input errors, internal
    errors). The comparison is the same whatever ``jobs`` is (items are ordered by case number and
    item index; errors come in file order). ``progress`` is called once per file."""
    from imr_rules.batch import map_with_ruleset

    compared: list[ItemComparison] = []
    errors: list[str] = []
    internal: list[str] = []
    for result in map_with_ruleset(compare_file, [str(p) for p in paths], ruleset, jobs, rule_paths, warmup=warmup):
        compared.extend(result.items)
        errors.extend(result.errors)
        if result.internal is not None:
            internal.append(result.internal)
        if progress is not None:
            progress()
    return comparison_of(compared, ruleset), errors, internal


def comparison_of(compared: Iterable[ItemComparison], ruleset) -> Comparison:
    """The figures over compared items: ours, the baselines', and the reasons'."""
    items = tuple(sorted(compared, key=lambda c: (c.case_number, c.item_index)))
    independent = [item for item in items if item.independent]
    covered = [item for item in independent if item.covered]
    baselines = (
        # Always upheld: over the items our rules cover, so the figures compare like with like.
        ("always upheld", metrics_of(covered, lambda item: UPHELD)),
        ("no facts", metrics_of(independent, lambda item: item.no_facts_as_imr)),
    )
    reasons = (
        ("ours", reason_figures(independent, lambda i: i.ours_as_imr, lambda i: [f.label for f in i.failing_criteria],
                                lambda i: i.deciding, lambda i: _undocumented(i.failing_criteria))),
        ("always upheld", reason_figures(covered, lambda i: UPHELD, lambda i: [], lambda i: ())),
        ("no facts", reason_figures(independent, lambda i: i.no_facts_as_imr, lambda i: [f.label for f in i.no_facts_failing],
                                    lambda i: i.no_facts_deciding, lambda i: _undocumented(i.no_facts_failing))),
    )
    return Comparison(items, metrics_of(independent), _by_category(items), ruleset.version, baselines, reasons,
                      ruleset.name, ruleset.hash, ruleset.packs)


def unknown_reason_criteria(case: Case, ruleset) -> list:
    """Reasons naming a criterion the rule set does not have (a typo would silently count as missed)."""
    from imr_rules.errors import CaseError, Source

    from imr_rules.model import APPLICABILITY

    # A rule's applicability finding ("it is not documented whether this is a first prescription
    # or ongoing use") is a reason too: reviewers give it in those words ("It is unclear if this is
    # a first time request or ongoing treatment").
    known = {f"{rule.id}/{criterion.id}" for rule in ruleset.rules for criterion in rule.criteria}
    known |= {f"{rule.id}/{APPLICABILITY}" for rule in ruleset.rules}
    errors = []
    for item in case.items:
        for reason in item.reasons or ():
            if reason.criterion and reason.criterion not in known:
                errors.append(CaseError(
                    f"reason names unknown criterion {reason.criterion!r}",
                    Source(case.source, item.line, f"items[index={item.index}].reasons"),
                    "name a criterion as rule-id/CRITERION-ID (imr-rules rules list), or give the reason as text",
                ))
    return errors


def _by_category(items: tuple[ItemComparison, ...]) -> tuple[CategoryFigures, ...]:
    groups: dict[str, list[ItemComparison]] = {}
    for item in items:
        if not item.independent:
            continue
        groups.setdefault(item.category or "(none)", []).append(item)
    return tuple(
        CategoryFigures(
            category=name,
            items=len(group),
            covered=sum(1 for i in group if i.covered),
            actual_overturned=sum(1 for i in group if i.actual == OVERTURNED),
            metrics=metrics_of(group),
        )
        for name, group in sorted(groups.items())
    )
