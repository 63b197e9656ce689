"""The platform's own write-side machinery, apart from the bounded contexts.

The event store (``eventstore.py``: the lock-free recorder), the committed-prefix reader
every consumer of the store goes through (``committed.py``), the per-person key ring
(``keyring.py``), the platform's tables (``storage.py``: dead letters, quarantine,
secrets) and the relay to Kafka (``relay.py``).
"""
