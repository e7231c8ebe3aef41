"""The model's frozen dataclasses are built by a faster __init__ (one __dict__ update): it must
build exactly what the dataclass's own __init__ builds, refuse what it refuses, and leave the
instances frozen."""

import dataclasses
import datetime as dt
import inspect

import pytest

from imr_rules import model

FAST = [model.Fact, model.Item, model.Request, model.Finding, model.RuleResult, model.Determination]


def built_both_ways(cls, *args, **kwargs):
    fast = cls(*args, **kwargs)
    plain = object.__new__(cls)
    cls.__dataclass_init__(plain, *args, **kwargs)
    return fast, plain


def required_arguments(cls) -> dict:
    return {f.name: f"<{f.name}>" for f in dataclasses.fields(cls)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}


@pytest.mark.parametrize("cls", FAST, ids=lambda c: c.__name__)
def test_the_fast_init_builds_what_the_dataclass_init_builds(cls):
    assert cls.__init__ is not cls.__dataclass_init__
    # Only what is required: every default and default factory filled in as the dataclass does.
    fast, plain = built_both_ways(cls, **required_arguments(cls))
    assert vars(fast) == vars(plain) and list(vars(fast)) == list(vars(plain))
    assert fast == plain and repr(fast) == repr(plain)
    # Every field given, by position: the same order of parameters.
    values = [f"<{f.name}>" for f in dataclasses.fields(cls)]
    fast, plain = built_both_ways(cls, *values)
    assert vars(fast) == vars(plain)
    assert list(inspect.signature(cls.__init__).parameters) == list(inspect.signature(cls.__dataclass_init__).parameters)


@pytest.mark.parametrize("cls", FAST, ids=lambda c: c.__name__)
def test_the_fast_init_refuses_what_the_dataclass_init_refuses(cls):
    required = required_arguments(cls)
    for broken in ({**required, "no_such_field": 1}, dict(list(required.items())[1:])):
        if broken == required:
            continue
        with pytest.raises(TypeError):
            cls(**broken)
        with pytest.raises(TypeError):
            cls.__dataclass_init__(object.__new__(cls), **broken)
    instance = cls(**required)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(instance, dataclasses.fields(cls)[0].name, "changed")


def test_default_factories_give_each_instance_its_default_and_replace_still_works():
    item = model.Item("1", "Massage therapy")
    assert item.facts == {} and model.Item("2", "x").facts == {}
    changed = dataclasses.replace(item, values={"a": 1})
    assert changed.values == {"a": 1} and changed.id == "1" and item.values is None
    request = model.Request("r", dt.date(2020, 1, 1), model.Patient(), (), (item,))
    assert dataclasses.replace(request, items=()).items == () and request.items == (item,)


@pytest.mark.parametrize("extra", ["post_init", "init_false", "kw_only"])
def test_a_class_the_fast_init_would_build_wrongly_is_refused_at_import(extra):
    # A __post_init__ the fast __init__ would skip, or a field that is not a positional parameter.
    namespace = {"__annotations__": {"a": int, "b": int}}
    if extra == "post_init":
        namespace["__post_init__"] = lambda self: None
    elif extra == "init_false":
        namespace["b"] = dataclasses.field(default=0, init=False)
    else:
        namespace["b"] = dataclasses.field(default=0, kw_only=True)
    cls = dataclasses.dataclass(frozen=True)(type("Record", (), namespace))
    with pytest.raises(TypeError, match="Record"):
        model._stored_in_one_update(cls)


@pytest.mark.parametrize("cls", FAST, ids=lambda c: c.__name__)
def test_replaced_gives_what_dataclasses_replace_gives(cls):
    record = cls(**required_arguments(cls))
    for name in [f.name for f in dataclasses.fields(cls)]:
        fast, plain = model.replaced(record, **{name: "<changed>"}), dataclasses.replace(record, **{name: "<changed>"})
        assert type(fast) is cls and vars(fast) == vars(plain) and list(vars(fast)) == list(vars(plain))
    assert vars(record) == vars(cls(**required_arguments(cls)))  # the original is untouched
    with pytest.raises(TypeError):
        model.replaced(record, not_a_field=1)


def test_replaced_refuses_records_with_an_init_of_their_own():
    with pytest.raises(TypeError, match="Drug"):
        model.replaced(model.Drug(name="x"), name="y")
