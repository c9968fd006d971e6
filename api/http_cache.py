"""Cache-Control values of the API conventions."""

PUBLIC_CACHE = "public, max-age=60, stale-while-revalidate=300"
PRIVATE_NO_STORE = "private, no-store"
