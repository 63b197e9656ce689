"""What a bounded context is made of, and the command path every write goes through.

``context.py``: how a context declares itself (``BoundedContext``, one ``Handles`` per
command); ``base.py``: commands, aggregates and the context's ``Application``;
``bus.py``: the command path (``Aerie.handle``); ``inputs.py``: how a command's input is
checked against the catalog; ``errors.py``: the refusals every context shares.
"""
