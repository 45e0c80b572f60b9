"""The one YAML reader for everything celltx reads from outside: data/, uploads, the CLI.

PyYAML's loaders have no limits: libyaml's composer recurses once per nesting level, so 30,000
nested brackets crash the process (a C stack overflow, not an exception), and an alias to an
alias to a list repeats the list exponentially (nine 9-way aliases in 731 bytes become 387
million items). This module drives libyaml's parser event by event and builds the node tree itself
without recursion, so it can refuse a document before anything grows:

- nesting deeper than ``MAX_DEPTH`` levels (the curated files need 6);
- anchors and aliases in untrusted text (uploads); in trusted text (data/) only a scalar may be
  anchored, so a repeated quote can be written once and no alias can repeat a list or mapping;
- tags other than plain YAML data: the safe constructor refuses ``!!python/...``.

Values are then built by PyYAML's SafeConstructor from the checked tree, and the tree is kept so
problem messages can name lines without a second parse.
"""

from __future__ import annotations

import reprlib
from typing import Any

import yaml
from yaml import events, nodes

# Deep enough for every real file (mapping > records > record > outcomes > outcome > source is 6),
# shallow enough that nothing downstream (constructor, pydantic, repr) comes near a recursion limit.
MAX_DEPTH = 20

# libyaml's parser when PyYAML was built with it (about five times faster), else the pure one;
# either way the parser only yields events: composing and constructing happen below.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LimitError(yaml.MarkedYAMLError):
    """The document is valid YAML but breaks one of this reader's limits; ``problem`` says which."""


def _refuse(problem: str, mark: Any) -> LimitError:
    return LimitError(problem=problem, problem_mark=mark)


def compose(text: str, *, trusted: bool = False) -> nodes.Node | None:
    """The checked node tree of a single-document YAML text (None for an empty document).

    Raises ``yaml.YAMLError``: ``LimitError`` for a limit, the parser's own errors for bad syntax.
    """
    loader = _LOADER(text)
    try:
        return _compose(loader, trusted)
    finally:
        loader.dispose()


def load(text: str, *, trusted: bool = False) -> tuple[Any, nodes.Node | None]:
    """Python data and the node tree (for line numbers) of a single-document YAML text."""
    loader = _LOADER(text)
    try:
        root = _compose(loader, trusted)
        return (loader.construct_document(root) if root is not None else None), root
    finally:
        loader.dispose()


def _compose(loader: Any, trusted: bool) -> nodes.Node | None:
    anchors: dict[str, nodes.Node] = {}
    # one frame per open collection: [node, pending mapping key or None]
    stack: list[list[Any]] = []
    root: nodes.Node | None = None
    documents = 0
    get_event, resolve = loader.get_event, loader.resolve
    Scalar, ScalarNode = events.ScalarEvent, nodes.ScalarNode  # scalars are most events: checked first
    while True:
        event = get_event()
        kind = type(event)
        anchor = None
        if kind is Scalar:
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolve(ScalarNode, event.value, event.implicit)
            node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
            anchor = event.anchor
        elif kind is events.SequenceEndEvent or kind is events.MappingEndEvent:
            stack.pop()[0].end_mark = event.end_mark
            continue
        elif kind is events.SequenceStartEvent or kind is events.MappingStartEvent:
            if len(stack) >= MAX_DEPTH:
                raise _refuse(
                    f"nesting deeper than {MAX_DEPTH} levels; a celltx file needs at most 6",
                    event.start_mark,
                )
            cls = nodes.SequenceNode if kind is events.SequenceStartEvent else nodes.MappingNode
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolve(cls, None, event.implicit)
            node = cls(tag, [], event.start_mark, None, flow_style=event.flow_style)
            anchor = event.anchor
        elif kind is events.AliasEvent:
            if not trusted:
                raise _refuse(
                    f"aliases (*{clip(event.anchor)}) are not allowed in an upload", event.start_mark
                )
            if event.anchor not in anchors:
                raise _refuse(f"alias *{clip(event.anchor)} names no anchor", event.start_mark)
            node = anchors[event.anchor]
        elif kind is events.StreamEndEvent:
            return root
        elif kind is events.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _refuse("expected a single document, found a second one ('---')", event.start_mark)
            continue
        else:  # stream start, document end
            continue
        if anchor is not None:
            if not trusted:
                raise _refuse(f"anchors (&{clip(anchor)}) are not allowed in an upload", event.start_mark)
            if node.__class__ is not ScalarNode:
                raise _refuse(
                    f"anchor &{clip(anchor)} is on a list or mapping; only a single value may be "
                    "anchored (an alias must not repeat a whole structure)",
                    event.start_mark,
                )
            anchors[anchor] = node
        if stack:
            frame = stack[-1]
            parent = frame[0]
            if parent.__class__ is nodes.SequenceNode:
                parent.value.append(node)
            elif frame[1] is None:
                frame[1] = node
            else:
                parent.value.append((frame[1], node))
                frame[1] = None
        else:
            root = node
        if kind is events.SequenceStartEvent or kind is events.MappingStartEvent:
            stack.append([node, None])


# Problem messages quote values a user wrote: bounded, so a 1 MB value never becomes a 1 MB message
_repr = reprlib.Repr()  # Python 3.11 takes no keyword arguments here
_repr.maxstring, _repr.maxother, _repr.maxlong = 60, 60, 40
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 4
_repr.maxlevel = 2


def short(value: Any) -> str:
    """A bounded ``repr`` of any value for a problem message (at most about 80 characters)."""
    return _repr.repr(value)


def clip(text: object, limit: int = 60) -> str:
    """Text for a message, cut to ``limit`` characters with an ellipsis."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
