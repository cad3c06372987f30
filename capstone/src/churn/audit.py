"""The registry's audit trail: one registered-model tag per event, numbered.

Lesson 07's design. Each event (``RegistryEvent``: who, when, what, which
version, why, and the scores behind a decision) is a small JSON tag of its
own, ``event.0001``, ``event.0002``, ...: a tag value holds a few thousand
characters in a SQL store, so one growing list would have to be cut, and an
audit trail cut to fit silently deletes history. The numbers, not the times,
give the order: clocks of different machines disagree.
"""

from __future__ import annotations

from collections.abc import Mapping

from churn.contracts import RegistryEvent

EVENT_PREFIX = "event."


def next_tag(tags: Mapping[str, str]) -> str:
    """The tag the next event goes to, given the registered model's tags."""
    return f"{EVENT_PREFIX}{1 + len(_numbered(tags)):04d}"


def events_in(tags: Mapping[str, str]) -> list[RegistryEvent]:
    """The events among a registered model's tags, in the order of their numbers."""
    return [RegistryEvent.model_validate_json(value) for _, value in _numbered(tags)]


def describe(events: list[RegistryEvent]) -> list[str]:
    """One line per event: number, time, who, what, which version, why, and the scores."""
    lines = []
    for number, event in enumerate(events, start=1):
        scores = ""
        if event.challenger_score is not None:
            scores = f" [challenger {event.challenger_score:.4f}"
            if event.champion_score is not None:
                scores += f", champion {event.champion_score:.4f}"
            scores += f" on {event.evidence}]" if event.evidence else "]"
        lines.append(
            f"{number:04d} {event.at.isoformat()} {event.by:<10} {event.event:<17} "
            f"v{event.version or '-'}: {event.reason}{scores}"
        )
    return lines


def _numbered(tags: Mapping[str, str]) -> list[tuple[int, str]]:
    return sorted(
        (int(key.removeprefix(EVENT_PREFIX)), value)
        for key, value in tags.items()
        if key.startswith(EVENT_PREFIX) and key.removeprefix(EVENT_PREFIX).isdigit()
    )
