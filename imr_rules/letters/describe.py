"""Normalise a disputed item's description into a category, body region, quantity and drug.

``describe_item("Physical therapy 2x4 for the lumbar spine")`` gives category
``physical_therapy``, 8 visits, ``lumbar_spine``. Rules select items by these ids, so the set of
categories is fixed and documented in :data:`CATEGORIES`.

Classification is an ordered table of patterns (first match wins); the order carries knowledge,
e.g. "Associated surgical service: ..." is looked at before the service named after it, a
procedure that uses a drug ("injection of lidocaine") before the drug, and a topical form word
("gel", "cream", "5%") turns any drug into ``topical``.
"""

from __future__ import annotations

import re
from collections import namedtuple

from imr_rules.reference import drugs as _drugs
from imr_rules.lazyre import lazy
from imr_rules.requests.shorthand import (  # noqa: F401 - BODY_REGIONS and body_regions are part of this module's API
    BODY_REGIONS, Directions, Schedule, Strength, body_regions, parse_directions, parse_schedule, parse_strength,
)
from imr_rules.reference.vocabulary import CATEGORIES

__all__ = [
    "CATEGORIES",
    "BODY_REGIONS",
    "body_regions",
    "DrugMention",
    "ItemDescription",
    "describe_item",
    "item_description_to_dict",
]


# Named tuples, not dataclasses: creating a frozen dataclass compiles its methods, about 1 ms each
# at import, more than describing an item.
class DrugMention(namedtuple("DrugMention", "generic brand drug_class strength quantity directions ingredients",
                             defaults=(None, None, None, ()))):
    """The drug an item names: ``generic``, ``brand`` (or None) and ``drug_class`` (str); its
    ``strength`` (a Strength), ``quantity`` (int) and ``directions`` (Directions), each None when
    not given; ``ingredients``: the generics of every drug named, for compounds."""

    __slots__ = ()


class ItemDescription(namedtuple(
    "ItemDescription",
    "text category subcategory modifiers body_region body_regions laterality quantity frequency_per_week "
    "duration_weeks unit drug",
    defaults=(None, (), None, (), None, None, None, None, None, None),
)):
    """What a disputed item's text says: ``category`` (one of CATEGORIES) and ``subcategory``;
    ``modifiers`` and ``body_regions`` (tuples of str; ``body_region`` is the first region);
    ``laterality``; the schedule (``quantity``, ``frequency_per_week``, ``duration_weeks``,
    ``unit``) and the ``drug`` (a DrugMention). Anything the text does not give is None."""

    __slots__ = ()


def _rx(pattern: str) -> re.Pattern[str]:
    # Compiled on first use: importing this module must stay cheap (see lazyre).
    return lazy(pattern, re.I)  # type: ignore[return-value]


# ------------------------------------------------------------------ classification tables

_ASSOCIATED_PREFIX = _rx(r"^\s*(?:associated surgical services?|pre-?op(?:erative)?(?:\s+labs?)?|preoperative(?:\s+labs?)?)\s*[:\-]?\s*")
_SURGERY_ASSOCIATED = _rx(
    r"medical clearance|pre-?op(?:erative)?\b|preoperative|\bclearance\b|assistant surgeon|surgical assist|"
    r"\bpa assist|assistant pa\b|\bco-?surgeon|post-?op(?:erative)? (?:stay|day)|inpatient stay|length of stay"
)
_POSTOP = _rx(r"\bpost-?\s?op(?:erative)?\b|postsurgical|post-?surgical")

# (category, subcategory or None, pattern); first match wins.
_SERVICE_RULES: tuple[tuple[str, str | None, re.Pattern[str]], ...] = tuple(
    (c, s, _rx(p))
    for c, s, p in (
        ("urine_drug_screen", None, r"urine (?:drug|tox)|drug (?:screen|test)|\buds\b|urine test|toxicology"),
        ("lab", "ekg", r"\bekg\b|\becg\b|electrocardiogram"),
        ("lab", "eeg", r"\beeg\b|electroencephalogra"),
        ("lab", "functional_test", r"jamar|grip (?:strength )?test|range of motion (?:of )?test|computerized rom"),
        ("lab", None, r"\blabs?\b|\bcbc\b|\bcmp\b|\bbmp\b|chem(?:istry)? panel|blood (?:test|work)|pt/ptt|\binr\b|\bua\b|urinalysis|hepatic|renal function|\bpanel\b"),
        ("electrodiagnostics", "emg_ncv", r"\bemg\b.*\b(?:ncv|ncs)\b|\b(?:ncv|ncs)\b.*\bemg\b"),
        ("electrodiagnostics", "emg", r"\bemg\b|electromyogra"),
        ("electrodiagnostics", "ncv", r"\bnc[vs]\b|nerve conduction"),
        ("electrodiagnostics", "ssep", r"\bssep\b|somatosensory"),
        ("electrotherapy", "lint", r"neurostimulat"),
        ("other", "tpii", r"impedance imaging|\btpii\b"),
        ("imaging", "mri", r"\bmri'?s?\b|\bmra\b|magnetic resonance|mr arthrogra"),
        ("imaging", "ct", r"\bct\b|\bcat scan|computed tomograph"),
        ("imaging", "xray", r"x-?\s?rays?\b|radiograph"),
        ("imaging", "bone_scan", r"bone scan|scintigra"),
        ("imaging", "ultrasound", r"diagnostic ultrasound|ultrasound (?:of|imaging)|sonogra"),
        ("imaging", None, r"\bimaging\b|arthrogra|myelogra|discogra"),
        ("epidural_injection", None, r"epidural|\besi\b|transforaminal|interlaminar|caudal"),
        ("facet_injection", None, r"facet|medial branch|radiofrequency|rhizotomy|neurotomy"),
        ("trigger_point_injection", None, r"trigger point injection|\btpi\b"),
        ("injection_other", "prp", r"platelet[- ]rich|\bprp\b"),
        ("injection_other", None, r"inject|nerve block|neurolytic|viscosupplement|synvisc|hyaluron|cortisone shot|\bblock\b"),
        ("acupuncture", None, r"acupunct"),
        ("massage", None, r"massage|myofascial|\bmessage therapy"),
        ("chiropractic", None, r"chiro|manipulat|\bcmt\b|\bomt\b"),
        ("tens", None, r"\btens\b|transcutaneous electrical"),
        ("electrotherapy", "h_wave", r"h-?\s?wave"),
        ("electrotherapy", "interferential", r"interferential|\bif unit"),
        ("electrotherapy", None, r"\bnmes\b|neuromuscular (?:electrical )?stim|electrical (?:muscle )?stim|\be-?stim|\bems\b|muscle stim"),
        ("functional_restoration", None, r"functional restoration|\bfrp\b|\bhelp program|chronic pain program|multidisciplinary pain|interdisciplinary"),
        ("work_hardening", None, r"work hardening|work conditioning"),
        ("psych", "biofeedback", r"biofeedback|neurofeedback"),
        ("psych", None, r"psych|cognitive behav|\bcbt\b|counsel|mental health"),
    )
)

_PT_RULES: tuple[tuple[str, str | None, re.Pattern[str]], ...] = tuple(
    (c, s, _rx(p))
    for c, s, p in (
        ("physical_therapy", "gym", r"gym|pool membership|aquatic therapy|pool therapy"),
        ("physical_therapy", "evaluation", r"(?:physical|occupational) therapy (?:evaluation|eval)\b"),
        ("physical_therapy", "inpatient_rehab", r"inpatient rehab|rehabilitation unit|acute rehab"),
        ("physical_therapy", None, r"physical therap|\bpt\b|occupational therap|\bot\b|\bpt/ot\b|physiotherap|therapeutic exercise|manual therapy|hand therapy|\brehab"),
        ("physical_therapy", "passive_modality", r"infrared|traction|spinolator|ultrasound|diathermy|paraffin|shock ?wave|\beswt\b"),
    )
)

_CONSULT_FOR_SURGERY = _rx(
    r"(?:surgeon|surgery|surgical|specialist|neurosurg\w*|ortho\w*)\b.*\b(?:eval\w*|consult\w*|referral|opinion)\b|"
    r"\b(?:eval\w*|consult\w*|referral|toc)\b.*\b(?:surgeon|surgery|specialist|ortho\w*)\b"
)
_SURGERY = _rx(
    r"arthroscop|arthroplast|\brepair\b|\brelease\b|fusion|decompression|discectomy|laminectomy|laminotomy|"
    r"foraminotomy|fixation|replacement|\bsurgery\b|osteotomy|meniscectomy|menisectomy|tenodesis|debridement|"
    r"neuroplasty|reconstruction|\w+ectomy\b|\w+otomy\b|\w+plasty\b|acromioplast|bankart|\bslap\b|labral|"
    r"\bmumford\b|\borif\b|open reduction|\bimplant|spinal cord stimulator|\bscs\b|kyphoplast|vertebroplast"
)
_CONSULT = _rx(
    r"consult|evaluation|\beval\b|referral|office visit|follow[- ]?up|re-?exam|initial exam|physical exam|\bexam\b|"
    r"\bfce\b|functional capacity|second opinion|\btoc\b|transfer of care|medication management|\bvisit\b"
)
_HOME_HEALTH = _rx(
    r"home health|home aide|home care|\baide\b|\brn\b|nurse|nursing|caregiver|transportation|transport\b|"
    r"partial hospitali|skilled nursing|\bsnf\b|housekeep|meals"
)
_DME = _rx(
    r"brace|support|pillow|sling|wrap|\bunit\b|wheelchair|commode|chair|walker|\bcane\b|crutch|scooter|\bbed\b|"
    r"mattress|hearing aid|orthotic|insole|splint|collar|cryotherapy|cold therapy|hot/cold|heat|\bice\b|"
    r"vascutherm|compression|workstation|gloves|wipes|\bpads?\b|rental|purchase|stimulator|cushion|\bdme\b|"
    r"\bkit\b|shower|toilet|grab bar|ramp|lift\b|orthosis|boot|stocking|belt"
)

# Topical form words; a drug written with one of these is a topical. Strength in percent too.
_TOPICAL_FORM = _rx(
    r"\b(?:cream|gel|ointment|lotion|patch(?:es)?|topical|transdermal|compound(?:ed)?|rub|spray|liniment|"
    r"solution|pads?|cream base|roll-on)\b|\d\s*%|\bpercent\b"
)

# ------------------------------------------------------------------ laterality (body regions: normalize)

_BILATERAL = _rx(r"\bbilateral(?:ly)?\b|\bboth\b|\bb/l\b|\bbue\b|\bble\b")
_RIGHT = _rx(r"\bright\b|\brt\b|\brue\b|\brle\b")
_LEFT = _rx(r"\bleft\b|\blt\b|\blue\b|\blle\b")

_MODIFIER_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, _rx(p))
    for name, p in (
        ("retrospective", r"\bretro(?:spective)?\b|\bdos\b"),
        ("additional", r"\badditional\b|\bcontinu(?:e|ed|ation)\b|\bmore\b"),
        ("initial", r"\binitial\b|\btrial\b"),
        ("postoperative", r"\bpost-?\s?op(?:erative)?\b|postsurgical|post-?surgical"),
        ("preoperative", r"\bpre-?\s?op(?:erative)?\b|preoperative"),
        ("associated_surgical_service", r"associated surgical service"),
        ("purchase", r"\bpurchase\b"),
        ("rental", r"\brental\b|\brent\b"),
        ("without_contrast", r"without contrast|w/o contrast|non-?contrast"),
        ("with_contrast", r"(?<!out )\bwith contrast|\bw/ contrast|\bw/contrast"),
        ("fluoroscopic_guidance", r"fluoroscop"),
        ("extended_release", r"\b(?:er|xr|sr|cr|xl|la)\b|extended release"),
        ("refill", r"\brefills?\b"),
    )
)

# "Norco 7.5-325mg": a combination strength written with a hyphen; the first component is the
# active ingredient that counts (as in "7.5/325mg").
_HYPHENATED_COMBINATION = _rx(r"(\d(?:\.\d+)?)-(\d+(?:\.\d+)?\s*(?:mg|mcg))")
# "2 times weekly for 6 weeks": a frequency form parse_schedule does not read.
_WEEKLY_FOR = _rx(r"(?P<f>\d+(?:\.\d+)?)\s*(?:x|times)\s*weekly\s*(?:for|x|times)\s*(?P<d>\d+(?:\.\d+)?)\s*weeks?")
# "times 6", "1 times 8": a count that parse_schedule leaves alone because no week unit follows.
_TIMES_COUNT = _rx(r"(?:\bx|\btimes)\s*(?P<n>\d{1,3})\b(?!\s*(?:/|a\b|per\b|weeks?|wks?|days?|months?|mg|%))")
_WORD_TIMES_COUNT = _rx(r"\btimes\s+(?P<w>two|three|four|five|six|eight|ten|twelve)\b(?!\s*(?:a|per|weeks?))")
_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "eight": 8, "ten": 10, "twelve": 12}


# ------------------------------------------------------------------ public API


def describe_item(text: str) -> ItemDescription:
    """Describe one disputed item; never raises (an unrecognised item is category ``other``)."""
    text = " ".join((text or "").split())
    category, subcategory = _classify(text)
    drug = _drug_mention(text, category) if category in _DRUG_CATEGORIES else None
    schedule = _schedule(text)
    quantity = schedule.quantity if schedule.quantity is not None else _times_count(text)
    regions = body_regions(text)
    return ItemDescription(
        text=text,
        category=category,
        subcategory=subcategory,
        modifiers=_modifiers(text),
        body_region=regions[0] if regions else None,
        body_regions=regions,
        laterality=_laterality(text),
        quantity=quantity,
        frequency_per_week=schedule.frequency_per_week,
        duration_weeks=schedule.duration_weeks,
        unit=schedule.unit,
        drug=drug,
    )


_DRUG_CATEGORIES = frozenset(_drugs.DRUG_CLASSES)


def _classify(text: str) -> tuple[str, str | None]:
    associated = _ASSOCIATED_PREFIX.match(text)
    if associated:
        return _classify_associated(text[associated.end() :])
    if _SURGERY_ASSOCIATED.search(text):
        return _classify_associated(text)
    return _classify_plain(text)


def _classify_associated(rest: str) -> tuple[str, str | None]:
    """"Associated surgical service: X" / "Pre-op X": postsurgical therapy stays therapy (its own
    MTUS guideline); anything else is surgery-associated, with X's category as subcategory."""
    category, _ = _classify_plain(rest)
    if category == "physical_therapy":
        return "physical_therapy", "postsurgical"
    if category in ("opioid", "muscle_relaxant", "nsaid", "ppi", "drug_other", "topical", "antidepressant",
                    "anticonvulsant", "sleep_aid", "benzodiazepine"):
        return category, "postsurgical"
    return "surgery_associated", None if category == "other" else category


def _classify_plain(text: str) -> tuple[str, str | None]:
    for category, subcategory, pattern in _SERVICE_RULES:
        if pattern.search(text):
            return category, subcategory
    for category, subcategory, pattern in _PT_RULES[:-1]:
        if pattern.search(text):
            if _POSTOP.search(text) and subcategory is None:
                return category, "postsurgical"
            return category, subcategory
    if _CONSULT_FOR_SURGERY.search(text):
        return "consult", "surgical"
    found = _drugs.find_drugs(text)
    if found:
        return _drug_category(text, found), None
    if _SURGERY.search(text):
        return "surgery", None
    if _HOME_HEALTH.search(text):
        return "home_health", None
    if _CONSULT.search(text):
        return "consult", None
    category, subcategory, pattern = _PT_RULES[-1]
    if pattern.search(text):
        return category, subcategory
    if _DME.search(text):
        return "dme", None
    return "other", None


def _drug_category(text: str, found: tuple[_drugs.Drug, ...]) -> str:
    first = found[0]
    if first.drug_class == "opioid":
        return "opioid"  # a fentanyl patch is an opioid, not a topical analgesic
    # "Naproxen 550mg" is oral; "Ketoprofen 20% in cream base", "Lidocaine 5% patch" are not.
    if any(d.topical for d in found) or _TOPICAL_FORM.search(text):
        return "topical"
    return first.drug_class


def _drug_mention(text: str, category: str) -> DrugMention | None:
    mentions = _drugs.find_drug_mentions(text)
    if not mentions:
        return None
    drug = mentions[0][0]
    # "Diazepam (Valium)": the brand may come after the generic.
    brand = next((name for other, name in mentions if other == drug and name in drug.brands), None)
    ingredients = []
    for other, _ in mentions:
        if other.generic not in ingredients:
            ingredients.append(other.generic)
    return DrugMention(
        generic=drug.generic,
        brand=brand,
        drug_class=category if category == "topical" else drug.drug_class,
        strength=parse_strength(_HYPHENATED_COMBINATION.sub(r"\1/\2", text)),
        quantity=parse_schedule(text).quantity,
        directions=parse_directions(text),
        ingredients=tuple(ingredients),
    )


def _schedule(text: str) -> Schedule:
    schedule = parse_schedule(text)
    if schedule.quantity is None:
        weekly = _WEEKLY_FOR.search(text)
        if weekly:
            frequency, weeks = float(weekly.group("f")), float(weekly.group("d"))
            return Schedule(int(frequency * weeks), frequency, weeks, schedule.unit or "visit")
    return schedule


def _times_count(text: str) -> int | None:
    match = _TIMES_COUNT.search(text)
    if match:
        return int(match.group("n"))
    match = _WORD_TIMES_COUNT.search(text)
    return _WORDS[match.group("w").lower()] if match else None


def _laterality(text: str) -> str | None:
    if _BILATERAL.search(text):
        return "bilateral"
    right, left = bool(_RIGHT.search(text)), bool(_LEFT.search(text))
    if right and left:
        return "bilateral"
    return "right" if right else "left" if left else None


def _modifiers(text: str) -> tuple[str, ...]:
    return tuple(name for name, pattern in _MODIFIER_RULES if pattern.search(text))


# ------------------------------------------------------------------ JSON-ready form


def _strength_dict(strength: Strength | None) -> dict | None:
    return None if strength is None else {"value": strength.value, "unit": strength.unit}


def _directions_dict(directions: Directions | None) -> dict | None:
    if directions is None:
        return None
    return {
        "units_per_dose": list(directions.units_per_dose),
        "doses_per_day": None if directions.doses_per_day is None else list(directions.doses_per_day),
        "as_needed": directions.as_needed,
    }


def item_description_to_dict(description: ItemDescription) -> dict:
    drug = description.drug
    return {
        "category": description.category,
        "subcategory": description.subcategory,
        "modifiers": list(description.modifiers),
        "body_region": description.body_region,
        "body_regions": list(description.body_regions),
        "laterality": description.laterality,
        "quantity": description.quantity,
        "frequency_per_week": description.frequency_per_week,
        "duration_weeks": description.duration_weeks,
        "unit": description.unit,
        "drug": None
        if drug is None
        else {
            "generic": drug.generic,
            "brand": drug.brand,
            "drug_class": drug.drug_class,
            "strength": _strength_dict(drug.strength),
            "quantity": drug.quantity,
            "directions": _directions_dict(drug.directions),
            "ingredients": list(drug.ingredients),
        },
    }
