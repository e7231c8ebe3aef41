"""``@record``: a frozen dataclass, made without compiling five of its six methods.

Python 3.11's ``dataclass(frozen=True)`` compiles ``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, ``__setattr__`` and ``__delattr__`` from generated source, one ``exec`` each. A check
run defines some twenty such classes before it reads a request: about 120 compilations, a fifth of
the instructions of ``python -c "import typer, yaml, rich.console"`` (issue 15's cold start).

A record is the same class, built otherwise: ``dataclass`` (with nothing generated) gives it its
fields, so ``fields``, ``replace``, ``asdict`` and ``match`` work as for any dataclass; equality,
hashing, repr and the refusal to assign are shared functions that read the class's field names;
only ``__init__`` is compiled, once per class, and it stores the fields with one update of the
instance's ``__dict__`` rather than one ``object.__setattr__`` each (faster to call too: a batch
builds some 15 records a request). tests/test_records.py holds each record class to the frozen
dataclass it replaces: construction, defaults, equality, hashing, repr and the refusal to assign.
"""

from __future__ import annotations

from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, fields
from operator import attrgetter
from reprlib import recursive_repr
from typing import Any, Callable


class _Factory:
    """The default of a field made by a default factory (shown as dataclasses show it)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def record(cls: type) -> type:
    """The class as a frozen dataclass (see the module's docstring)."""
    cls = dataclass(cls, init=False, repr=False, eq=False)
    every = fields(cls)
    _refuse_unsupported(cls, every)
    names = [f.name for f in every]
    compared = _values_of([f.name for f in every if f.compare])
    hashed = _values_of([f.name for f in every if (f.compare if f.hash is None else f.hash)])
    shown = [f.name for f in every if f.repr]
    cls.__init__ = _init(cls, every)
    cls.__repr__ = _repr(cls, shown)
    cls.__eq__ = _eq(compared)
    cls.__hash__ = _hash(hashed)
    cls.__setattr__, cls.__delattr__ = _frozen(cls, frozenset(names))
    return cls


def _refuse_unsupported(cls: type, every: tuple[Field, ...]) -> None:
    """What the one-update ``__init__`` would build wrongly, refused at import rather than
    silently skipped: a field that is not a positional parameter, a pseudo-field (``ClassVar``,
    ``InitVar``), a ``__post_init__``, ``__slots__``, or methods of the class's own that these
    would replace."""
    unsupported = [f.name for f in every if not f.init or f.kw_only]
    unsupported += [name for name in cls.__dataclass_fields__ if name not in {f.name for f in every}]
    own = [name for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__", "__post_init__")
           if name in vars(cls)]
    if unsupported or own or hasattr(cls, "__post_init__") or hasattr(cls, "__slots__"):
        raise TypeError(f"{cls.__name__}: a field with init=False, kw_only, ClassVar or InitVar "
                        f"({', '.join(unsupported) or 'none'}), its own {', '.join(own) or '__post_init__'} "
                        "or __slots__ needs @dataclass(frozen=True) instead of @record")


def _init(cls: type, every: tuple[Field, ...]) -> Callable[..., None]:
    """``__init__(self, <fields in order, with their defaults>)``, storing them in one update."""
    namespace, parameters, body, annotations = _stored(cls, every)
    exec(f"def __init__(self, {parameters}):\n{body}", namespace)  # noqa: S102 - source made from the class's own field names
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {**annotations, "return": None}
    return init


def with_make(cls: type) -> type:
    """Give a record ``cls.make``, a function with ``__init__``'s parameters that builds the same
    record as ``cls(...)``, for the hottest constructions (a finding: several a request).

    Calling a class packs its keyword arguments into a dict for ``__init__`` (``type.__call__``
    takes no other form in CPython 3.11); calling a function does not. For a finding given by
    keyword that was some 5,500 instructions of the 17,000 it cost (issue 15). One compilation
    more at start-up, so only the classes that need it have it.
    """
    namespace, parameters, body, annotations = _stored(cls, fields(cls))
    namespace.update(_new=object.__new__, _cls=cls)
    source = f"def make({parameters}):\n    self = _new(_cls)\n{body}    return self\n"
    exec(source, namespace)  # noqa: S102 - source made from the class's own field names
    make = namespace["make"]
    make.__qualname__ = f"{cls.__qualname__}.make"
    make.__annotations__ = {**annotations, "return": cls.__name__}
    cls.make = staticmethod(make)
    return cls


def _stored(cls: type, every: tuple[Field, ...]) -> tuple[dict[str, Any], str, str, dict[str, Any]]:
    """What a function storing a record's fields is made of: its namespace, its parameters (the
    fields in order, with their defaults), its body (default factories called, then every field
    stored in one update of ``self.__dict__``) and its annotations."""
    namespace: dict[str, Any] = {"_FACTORY": _FACTORY}
    parameters, factories = [], []
    annotations: dict[str, Any] = {}
    defaulted = None
    for f in every:
        annotations[f.name] = f.type
        if f.default is not MISSING:
            namespace[f"_default_{f.name}"] = f.default
            parameters.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not MISSING:
            namespace[f"_factory_{f.name}"] = f.default_factory
            parameters.append(f"{f.name}=_FACTORY")
            factories.append(f"    if {f.name} is _FACTORY:\n        {f.name} = _factory_{f.name}()\n")
        elif defaulted is not None:
            raise TypeError(f"{cls.__name__}: non-default argument {f.name!r} follows default argument {defaulted!r}")
        else:
            parameters.append(f.name)
            continue
        defaulted = defaulted or f.name
    stored = [f"{f.name!r}: {f.name}" for f in every]
    body = "".join(factories) + f"    self.__dict__.update({{{', '.join(stored)}}})\n"
    return namespace, ", ".join(parameters), body, annotations


def _values_of(names: list[str]) -> Callable[[Any], tuple]:
    """A function giving an instance's values of these fields as a tuple (always a tuple, as the
    dataclass compares and hashes tuples, even of one field)."""
    if len(names) == 1:
        name = names[0]
        return lambda instance: (getattr(instance, name),)
    return attrgetter(*names) if names else (lambda instance: ())


def _repr(cls: type, names: list[str]) -> Callable[[Any], str]:
    @recursive_repr()
    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    __repr__.__qualname__ = f"{cls.__qualname__}.__repr__"
    return __repr__


def _eq(compared: Callable[[Any], tuple]) -> Callable[[Any, Any], Any]:
    def __eq__(self, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    return __eq__


def _hash(hashed: Callable[[Any], tuple]) -> Callable[[Any], int]:
    def __hash__(self) -> int:
        return hash(hashed(self))

    return __hash__


def _frozen(cls: type, names: frozenset[str]):
    """``__setattr__`` and ``__delattr__`` refusing as a frozen dataclass's do."""
    def __setattr__(self, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __setattr__, __delattr__
