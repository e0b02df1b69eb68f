"""Helper module of context_vars.py: a context variable that lives in an imported module."""
import contextvars

tenant = contextvars.ContextVar("tenant", default="none")
