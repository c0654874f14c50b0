"""The organisation: the conformed dimension every domain's extracts check their units against.

- :mod:`ingest.organisation.source`: the organisation extract (the region's unit tree with validity
  intervals, slowly changing), a source like the others;
- :mod:`ingest.organisation.units`: the units of the region's latest accepted delivery, as the rules
  of the other extracts read them.

It sits below the domain packages (docs/architecture.md): they import it, it imports none of them.
"""
