"""Domain events after commit: an outbox table written in the caller's transaction, announced with
pg_notify, handled once (handlers that write) and fanned out live to every process (subscribers).

- Send: `emit(session, EventKind.x, payload, Audience(...))` — app/events/outbox.py lists every kind.
- React after commit (exactly once across processes): `@on(EventKind.x)` handlers.
- Follow live / replay: `for_app(app.state).subscribe(after=last_id, user_id=…)` (dispatcher.py),
  or `events_after(session, last_id)` for a plain read.
"""

from app.events.dispatcher import Dispatcher, Subscription, for_app
from app.events.outbox import Audience, Event, EventKind, emit, events_after, on

__all__ = [
    "Audience",
    "Dispatcher",
    "Event",
    "EventKind",
    "Subscription",
    "emit",
    "events_after",
    "for_app",
    "on",
]
