"""Service events in: one event (API), many (CSV import), validated, upserted and planned."""
