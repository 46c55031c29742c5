"""The enrollment log (contracts §5): format, storage with an audit trail, metrics, CONSORT, demo data."""
