# See __init__.pyi: the standard library's sqlite3 types stand for sqlcipher3's.
from sqlite3.dbapi2 import *  # noqa: F403 (every name sqlite3 has)
