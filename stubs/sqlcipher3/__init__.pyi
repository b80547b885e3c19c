# sqlcipher3 ships no type information; its DB-API mirrors the standard library's sqlite3
# (pysqlite, from which both come), so its types are sqlite3's.
from sqlcipher3.dbapi2 import *  # noqa: F403 (the same names, as at run time)
