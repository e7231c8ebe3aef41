"""Records (imr_rules.records.record) are frozen dataclasses built without compiling five of their
six methods: each must behave as the ``@dataclass(frozen=True)`` class it replaces - the same
``__init__`` (parameters, defaults, what it stores and refuses), equality, hashing, repr, and the
refusal to assign or delete."""

import dataclasses
import datetime as dt
import inspect

import pytest

from imr_rules import model
from imr_rules.records import record
from imr_rules.reference import formulary, guidelines
from imr_rules.ruleset import loading


def records_of(*modules):
    return [cls for module in modules for cls in vars(module).values()
            if isinstance(cls, type) and cls.__module__ == module.__name__ and dataclasses.is_dataclass(cls)
            and getattr(cls.__setattr__, "__module__", None) == "imr_rules.records"]


RECORDS = records_of(model, loading, guidelines, formulary)


def twin(cls):
    """The same class as ``@dataclass(frozen=True)`` makes it."""
    namespace = {"__annotations__": {f.name: f.type for f in dataclasses.fields(cls)},
                 "__qualname__": cls.__qualname__, "__module__": cls.__module__}
    for f in dataclasses.fields(cls):
        namespace[f.name] = dataclasses.field(default=f.default, default_factory=f.default_factory, init=f.init,
                                              repr=f.repr, hash=f.hash, compare=f.compare, metadata=f.metadata)
    return dataclasses.dataclass(frozen=True)(type(cls.__name__, (), namespace))


def required_arguments(cls) -> dict:
    return {f.name: f"<{f.name}>" for f in dataclasses.fields(cls)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}


def result(function, *args):
    """What a call gives: its value, or the type of what it raised."""
    try:
        return "value", function(*args)
    except Exception as exc:  # noqa: BLE001 - compared, not handled
        return "raised", type(exc)


def test_the_records_are_found():
    assert {c.__name__ for c in RECORDS} >= {"Fact", "Item", "Request", "Finding", "Rule", "RuleSpec", "Criterion",
                                             "Report", "RuleSet", "GuidelineInForce", "FormularyStatus"}


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_a_record_is_built_as_its_frozen_dataclass_is(cls):
    plain = twin(cls)
    assert str(inspect.signature(cls.__init__)) == str(inspect.signature(plain.__init__))
    assert cls.__init__.__annotations__ == plain.__init__.__annotations__
    assert [f.name for f in dataclasses.fields(cls)] == [f.name for f in dataclasses.fields(plain)]
    assert cls.__match_args__ == plain.__match_args__
    # Only what is required (every default and default factory filled in), then every field by position.
    for args, kwargs in (((), required_arguments(cls)), ([f"<{f.name}>" for f in dataclasses.fields(cls)], {})):
        record_, reference = cls(*args, **kwargs), plain(*args, **kwargs)
        assert vars(record_) == vars(reference) and list(vars(record_)) == list(vars(reference))
        assert repr(record_) == repr(reference)
        assert result(hash, record_) == result(hash, reference)
        assert record_ == cls(*args, **kwargs) and not record_ != cls(*args, **kwargs)
        assert (record_ == reference) is False and record_ != "a string"


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_a_record_compares_and_hashes_as_its_frozen_dataclass_does(cls):
    plain = twin(cls)
    values = {f.name: f"<{f.name}>" for f in dataclasses.fields(cls)}
    for name in values:  # one field changed at a time: compare=False fields leave them equal
        changed = {**values, name: "<changed>"}
        assert (cls(**values) == cls(**changed)) == (plain(**values) == plain(**changed))
        assert (hash(cls(**values)) == hash(cls(**changed))) == (hash(plain(**values)) == hash(plain(**changed)))
        assert hash(cls(**changed)) == hash(plain(**changed))


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_a_record_refuses_what_its_frozen_dataclass_refuses(cls):
    plain = twin(cls)
    required = required_arguments(cls)
    for broken in ({**required, "no_such_field": 1}, dict(list(required.items())[1:])):
        if broken == required:
            continue
        with pytest.raises(TypeError):
            cls(**broken)
        with pytest.raises(TypeError):
            plain(**broken)
    first = dataclasses.fields(cls)[0].name
    for instance in (cls(**required), plain(**required)):
        for attempt in (lambda: setattr(instance, first, "changed"), lambda: setattr(instance, "not_a_field", 1),
                        lambda: delattr(instance, first)):
            with pytest.raises(dataclasses.FrozenInstanceError):
                attempt()


def test_a_record_shows_itself_once_when_it_holds_itself():
    node = model.Fact(value=[])
    node.value.append(node)
    assert repr(node) == "Fact(value=[...], evidence=None, date=None, provenance=None)"


def test_default_factories_give_each_instance_its_default_and_replace_still_works():
    item = model.Item("1", "Massage therapy")
    assert item.facts == {} and model.Item("2", "x").facts == {}
    changed = dataclasses.replace(item, values={"a": 1})
    assert changed.values == {"a": 1} and changed.id == "1" and item.values is None
    request = model.Request("r", dt.date(2020, 1, 1), model.Patient(), (), (item,))
    assert dataclasses.replace(request, items=()).items == () and request.items == (item,)


@pytest.mark.parametrize("extra", ["post_init", "init_false", "kw_only", "own_repr", "default_first"])
def test_a_class_the_record_would_build_wrongly_is_refused_at_import(extra):
    # What the one-update __init__ would skip (a __post_init__), a field that is not a positional
    # parameter, a method of the class's own that would be replaced, a required field after a default.
    namespace = {"__annotations__": {"a": int, "b": int}}
    if extra == "post_init":
        namespace["__post_init__"] = lambda self: None
    elif extra == "init_false":
        namespace["b"] = dataclasses.field(default=0, init=False)
    elif extra == "kw_only":
        namespace["b"] = dataclasses.field(default=0, kw_only=True)
    elif extra == "own_repr":
        namespace["__repr__"] = lambda self: "mine"
    else:
        namespace["a"] = 0
    with pytest.raises(TypeError, match="Record"):
        record(type("Record", (), namespace))


REPLACEABLE = [model.Fact, model.Item, model.Request, model.Finding, model.RuleResult, model.Determination]


@pytest.mark.parametrize("cls", REPLACEABLE, ids=lambda c: c.__name__)
def test_replaced_gives_what_dataclasses_replace_gives(cls):
    record_ = cls(**required_arguments(cls))
    for name in [f.name for f in dataclasses.fields(cls)]:
        fast, plain = model.replaced(record_, **{name: "<changed>"}), dataclasses.replace(record_, **{name: "<changed>"})
        assert type(fast) is cls and vars(fast) == vars(plain) and list(vars(fast)) == list(vars(plain))
    assert vars(record_) == vars(cls(**required_arguments(cls)))  # the original is untouched
    with pytest.raises(TypeError):
        model.replaced(record_, not_a_field=1)


def test_replaced_refuses_records_outside_its_list():
    # Rule, for one, keeps cached properties in its instance dict, which replaced() would pass on.
    with pytest.raises(TypeError, match="Drug"):
        model.replaced(model.Drug(name="x"), name="y")


MADE = [cls for cls in RECORDS if "make" in vars(cls)]


def test_the_engine_s_hottest_records_have_make():
    assert {c.__name__ for c in MADE} == {"Finding", "Determination"}


@pytest.mark.parametrize("cls", MADE, ids=lambda c: c.__name__)
def test_make_builds_what_the_class_builds(cls):
    required = required_arguments(cls)
    made, plain = cls.make(**required), cls(**required)
    assert type(made) is cls and vars(made) == vars(plain) and list(vars(made)) == list(vars(plain))
    assert made == plain and hash(made) == hash(plain) and repr(made) == repr(plain)
    values = [f"<{f.name}>" for f in dataclasses.fields(cls)]
    assert vars(cls.make(*values)) == vars(cls(*values))
    assert list(inspect.signature(cls.make).parameters) == list(inspect.signature(cls.__init__).parameters)[1:]
    assert result(lambda: cls.make(**required, no_such_field=1)) == ("raised", TypeError)
    assert result(lambda: cls.make(**dict(list(required.items())[1:]))) == ("raised", TypeError)
    assert result(lambda: setattr(made, dataclasses.fields(cls)[0].name, "x")) == ("raised", dataclasses.FrozenInstanceError)
