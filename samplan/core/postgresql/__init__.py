"""samplan's PostgreSQL backend: Django's, with psycopg's compiled loaders kept (base.py)."""
