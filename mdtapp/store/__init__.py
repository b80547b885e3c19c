"""SQLite storage (sqlite-utils): connection, migrations, repositories, audit trail, backup."""
