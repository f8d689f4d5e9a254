"""Who is told: the staff recipients of every workflow email and every reminder, in one table.

Each workflow event and each reminder kind names its audience (`AUDIENCES`). One fallback rule,
written once (`Directory.told`): when an audience yields no address (nobody assigned, no unit
mailbox, no active account with an e-mail), the message goes one level up the chain

    the unit (assignee, unit mailbox) -> the unit's heads -> the office (coordinators) -> the directors,

skipping the levels that may not act on it (a draft awaiting approval goes from the heads straight to
the directors: coordinators do not approve). Each address is told once, whatever roles it holds.

| event or reminder kind          | told                                          | nobody: then      |
|---------------------------------|-----------------------------------------------|-------------------|
| staff_routed                    | the unit's heads and the unit mailbox         | office, directors |
| staff_assigned                  | the assignee                                  | heads, office, …  |
| staff_info_provided             | the assignee, else the unit's heads           | office, directors |
| staff_approval                  | the unit's heads (not the author)             | directors         |
| staff_returned                  | the draft's author                            | heads, office, …  |
| staff_extension_request         | the office and the directors                  | -                 |
| staff_extension_rejected        | the head who asked                            | heads, office, …  |
| staff_review_requested          | heads, assignee, unit mailbox, the office     | directors         |
| staff_answer_returned           | the unit's heads and the assignee             | office, directors |
| before_due                      | the assignee (else the heads) and the mailbox | office, directors |
| overdue_head                    | the unit's heads                              | office, directors |
| escalate                        | the office and the directors                  | -                 |
| route_overdue, publish_overdue  | the office (last escalation: and directors)   | directors         |
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from ..domain.states import Role
from ..extensions import db
from ..models import Unit, User

UNIT, HEADS, OFFICE, DIRECTORS = range(4)
CHAIN = (UNIT, HEADS, OFFICE, DIRECTORS)


class Person(NamedTuple):
    email: str
    name: str
    locale: str | None


@dataclass(frozen=True)
class Audience:
    """Who is told (`parts`), the level they stand at, and the levels that may act on it."""

    parts: tuple[str, ...]
    level: int
    acts: frozenset[int] = frozenset(CHAIN)


_ASSIGNEE = ("assignee_or_heads",)
AUDIENCES: dict[str, Audience] = {
    "staff_routed": Audience(("heads", "mailbox"), HEADS),
    "staff_assigned": Audience(("person",), UNIT),
    "staff_info_provided": Audience(_ASSIGNEE, HEADS),
    "staff_approval": Audience(("heads_but_actor",), HEADS, frozenset({HEADS, DIRECTORS})),
    "staff_returned": Audience(("person",), UNIT),
    "staff_extension_request": Audience(("office", "directors"), DIRECTORS),
    "staff_extension_rejected": Audience(("person",), UNIT),
    "staff_review_requested": Audience(("heads", "assignee", "mailbox", "office"), OFFICE),
    "staff_answer_returned": Audience(("heads", "assignee"), HEADS),
    "before_due": Audience((*_ASSIGNEE, "mailbox"), HEADS),
    "overdue_head": Audience(("heads",), HEADS),
    "escalate": Audience(("office", "directors"), DIRECTORS),
    "route_overdue": Audience(("office",), OFFICE),
    "publish_overdue": Audience(("office",), OFFICE),
    "final_escalation": Audience(("office", "directors"), DIRECTORS),  # the last rung of route/publish
}
_LEVEL_PART = {HEADS: "heads", OFFICE: "office", DIRECTORS: "directors"}


def _people(users: Iterable[User | None]) -> list[Person]:
    return [Person(u.email, u.name, u.locale) for u in users if u is not None and u.active and u.email]


class Directory:
    """The staff who can be told, loaded with a few queries and kept for many tickets (a sweep)."""

    def __init__(self) -> None:
        office = list(
            db.session.execute(
                db.select(User)
                .where(User.role.in_([Role.COORDINATOR, Role.DIRECTOR]), User.active.is_(True))
                .order_by(User.id)
            ).scalars()
        )
        self.office = _people(u for u in office if u.role == Role.COORDINATOR)
        self.directors = _people(u for u in office if u.role == Role.DIRECTOR)
        self.units: dict[int, Unit | None] = {}
        self.heads: dict[int, list[User]] = {}
        self.users: dict[int, User | None] = {}

    def load(self, unit_ids: Iterable[int | None], user_ids: Iterable[int | None]) -> Directory:
        """Load the units (with their heads) and the users not loaded yet (one query each)."""
        units = {u for u in unit_ids if u is not None and u not in self.units}
        if units:
            found = {u.id: u for u in db.session.execute(db.select(Unit).where(Unit.id.in_(units))).scalars()}
            for uid in units:
                self.units[uid] = found.get(uid)
                self.heads[uid] = []
            for head in db.session.execute(
                db.select(User)
                .where(User.role == Role.UNIT_HEAD, User.unit_id.in_(units), User.active.is_(True))
                .order_by(User.id)
            ).scalars():
                self.heads[head.unit_id].append(head)
        users = {u for u in user_ids if u is not None and u not in self.users}
        if users:
            found_users = {u.id: u for u in db.session.execute(db.select(User).where(User.id.in_(users))).scalars()}
            for uid in users:
                self.users[uid] = found_users.get(uid)
        return self

    def _part(
        self, part: str, unit_id: int | None, assignee_id: int | None, actor_id: int | None, person: User | None
    ) -> list[Person]:
        heads = self.heads.get(unit_id, []) if unit_id is not None else []
        assignee = self.users.get(assignee_id) if assignee_id is not None else None
        if part == "heads":
            return _people(heads)
        if part == "heads_but_actor":
            return _people(h for h in heads if h.id != actor_id)
        if part == "assignee":
            return _people([assignee])
        if part == "assignee_or_heads":
            return _people([assignee]) if assignee is not None else _people(heads)
        if part == "mailbox":
            unit = self.units.get(unit_id) if unit_id is not None else None
            return [Person(unit.email, unit.name, None)] if unit is not None and unit.email else []
        if part == "person":
            return _people([person])
        if part == "office":
            return list(self.office)
        if part == "directors":
            return list(self.directors)
        raise ValueError(part)

    def told(
        self,
        what: str,
        *,
        unit_id: int | None = None,
        assignee_id: int | None = None,
        actor_id: int | None = None,
        person: User | None = None,
    ) -> list[Person]:
        """Who is told of `what` (an event or reminder kind) about a ticket of `unit_id`: the audience,
        or, when it has no address, the first level up the chain that has one (see the module)."""
        audience = AUDIENCES[what]
        found = [p for part in audience.parts for p in self._part(part, unit_id, assignee_id, actor_id, person)]
        for level in CHAIN[audience.level + 1 :]:
            if found:
                break
            if level in audience.acts:
                found = self._part(_LEVEL_PART[level], unit_id, None, actor_id, None)
        unique: dict[str, Person] = {}
        for p in found:
            unique.setdefault(p.email.lower(), p)
        return list(unique.values())


def emails(
    what: str, ticket, *, unit_id: int | None = None, actor: User | None = None, person: User | None = None
) -> list[str]:
    """The addresses told of workflow event `what` about `ticket` (its unit unless `unit_id` is given)."""
    unit_id = unit_id if unit_id is not None else ticket.unit_id
    directory = Directory().load([unit_id], [ticket.assignee_id])
    return [
        p.email
        for p in directory.told(
            what,
            unit_id=unit_id,
            assignee_id=ticket.assignee_id,
            actor_id=actor.id if actor is not None else None,
            person=person,
        )
    ]
