"""Settings: `base` for every deployment (DATABASE_URL decides the database), `local` for
development, the lab and the tests (base, plus the embedded PostgreSQL when DATABASE_URL is unset).
"""
