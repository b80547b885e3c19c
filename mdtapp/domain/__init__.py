"""The clinical core: pure Python, no Qt, no SQLite, no I/O beyond reading forms/.

Dataclasses in, dataclasses out. Every number a clinician acts on is computed here.
"""
