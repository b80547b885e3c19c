"""The database schema, as append-only named migrations (sqlite-utils Migrations).

A migration that has landed is never edited: a change is a new function, m002_..., appended.
Each runs in one transaction with the record of it having been applied. `PRAGMA user_version`
holds the number applied, so a file from a newer mdtapp is recognised and refused.

Record tables hold immutable versions: (uid, version) with the record as interchange JSON in
`data`. Editing, amending and deleting all add a version; triggers refuse UPDATE and DELETE.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mdtapp.store.sqlite import load_sqlite_utils

if TYPE_CHECKING:
    import sqlite_utils

APPLICATION_ID = 0x6D647461  # "mdta": marks a file as an mdtapp database
MIGRATION_SET = "mdtapp"

RECORD_TABLES = (
    "patients",
    "eligibility",
    "decisions",
    "regimens",
    "infusions",
    "assessments",
    "admissions",
)

MIGRATION_NAMES: list[str] = []
MIGRATIONS_TABLE = "_sqlite_migrations"  # where sqlite-utils records each applied migration


MigrationFunction = Callable[["sqlite_utils.Database"], None]
_FUNCTIONS: list[MigrationFunction] = []
_migrations: Any = None


def migration(fn: MigrationFunction) -> MigrationFunction:
    MIGRATION_NAMES.append(fn.__name__)
    _FUNCTIONS.append(fn)
    return fn


def migrations() -> Any:
    """The sqlite-utils Migrations of this schema (sqlite-utils loaded only to apply them)."""
    global _migrations
    if _migrations is None:
        made = load_sqlite_utils().migrations.Migrations(MIGRATION_SET)
        for fn in _FUNCTIONS:
            made(name=fn.__name__)(fn)
        _migrations = made
    return _migrations


def _immutable(db: sqlite_utils.Database, table: str, what: str) -> None:
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'mdtapp: {what} are never changed or deleted'); END"
        )


@migration
def m001_initial(db: sqlite_utils.Database) -> None:
    db.execute("""
        CREATE TABLE patient_keys (
            patient_uid TEXT PRIMARY KEY CHECK (length(patient_uid) = 32),
            nhs_number TEXT NOT NULL UNIQUE CHECK (length(nhs_number) = 10)
        )""")
    for table in RECORD_TABLES:
        db.execute(f"""
            CREATE TABLE {table} (
                row_id INTEGER PRIMARY KEY,
                uid TEXT NOT NULL CHECK (length(uid) = 32),
                version INTEGER NOT NULL CHECK (version >= 1),
                patient_uid TEXT NOT NULL REFERENCES patient_keys(patient_uid),
                on_date TEXT CHECK (on_date IS NULL OR on_date GLOB
                    '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
                data TEXT NOT NULL CHECK (json_valid(data)),
                deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
                saved_at TEXT NOT NULL,
                saved_by TEXT NOT NULL,
                change_reason TEXT NOT NULL DEFAULT '',
                UNIQUE (uid, version)
            )""")
        db.execute(f"CREATE INDEX {table}_patient ON {table}(patient_uid, on_date)")
        db.execute(f"CREATE INDEX {table}_on_date ON {table}(on_date)")
        _immutable(db, table, f"saved {table} versions")
        db.execute(f"""
            CREATE VIEW current_{table} AS
            SELECT * FROM {table} AS r
            WHERE r.version = (SELECT max(version) FROM {table} WHERE uid = r.uid)
              AND r.deleted = 0""")
    db.execute("""
        CREATE TABLE photos (
            patient_uid TEXT NOT NULL REFERENCES patient_keys(patient_uid),
            sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
            media_type TEXT NOT NULL,
            content BLOB NOT NULL,
            added_at TEXT NOT NULL,
            added_by TEXT NOT NULL,
            PRIMARY KEY (patient_uid, sha256)
        )""")
    _immutable(db, "photos", "stored photos")
    db.execute("""
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user TEXT NOT NULL,
            action TEXT NOT NULL,
            entity TEXT NOT NULL DEFAULT '',
            entity_uid TEXT NOT NULL DEFAULT '',
            version INTEGER,
            patient_uid TEXT,
            before TEXT CHECK (before IS NULL OR json_valid(before)),
            after TEXT CHECK (after IS NULL OR json_valid(after)),
            detail TEXT NOT NULL DEFAULT ''
        )""")
    db.execute("CREATE INDEX audit_patient ON audit(patient_uid, id)")
    _immutable(db, "audit", "audit trail entries")
    # a cache derived from the records, rebuilt whenever a patient's records change
    db.execute("""
        CREATE TABLE patient_summary (
            patient_uid TEXT PRIMARY KEY REFERENCES patient_keys(patient_uid),
            nhs_number TEXT NOT NULL,
            hospital_number TEXT NOT NULL,
            family_name TEXT NOT NULL,
            given_names TEXT NOT NULL,
            date_of_birth TEXT NOT NULL,
            sex TEXT NOT NULL,
            deleted INTEGER NOT NULL,
            first_infusion TEXT,
            latest_assessment TEXT,
            next_review TEXT,
            review_reason TEXT NOT NULL,
            unscheduled INTEGER NOT NULL,
            response INTEGER,
            flags TEXT NOT NULL CHECK (json_valid(flags)),
            search_text TEXT NOT NULL,
            forms_version TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX patient_summary_review ON patient_summary(deleted, next_review)")


@migration
def m002_drafts(db: sqlite_utils.Database) -> None:
    # Unsaved editor state, kept on every change so a crash loses at most the field being typed.
    # Drafts are not records: they are replaced in place and removed when the record is saved.
    db.execute("""
        CREATE TABLE drafts (
            user TEXT NOT NULL,
            patient_uid TEXT NOT NULL REFERENCES patient_keys(patient_uid),
            kind TEXT NOT NULL,
            record_uid TEXT NOT NULL DEFAULT '',
            base_version INTEGER,
            data TEXT NOT NULL CHECK (json_valid(data)),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (user, patient_uid, kind, record_uid)
        )""")


@migration
def m003_accounts_and_signatures(db: sqlite_utils.Database) -> None:
    # Named accounts live inside the (encrypted) database, so no file outside it can grant a
    # role. Signatures are append-only: a signed version is never changed, only amended.
    db.execute("""
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""")
    db.execute("INSERT INTO meta (key, value) VALUES ('db_id', lower(hex(randomblob(16))))")
    db.execute("""
        CREATE TABLE users (
            username TEXT PRIMARY KEY CHECK (length(username) BETWEEN 1 AND 64),
            display_name TEXT NOT NULL,
            roles TEXT NOT NULL CHECK (json_valid(roles)),
            password_hash TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            must_change_password INTEGER NOT NULL DEFAULT 0,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            last_failure TEXT,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""")
    db.execute("""
        CREATE TABLE signatures (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            uid TEXT NOT NULL,
            version INTEGER NOT NULL,
            username TEXT NOT NULL,
            display_name TEXT NOT NULL,
            roles TEXT NOT NULL,
            signed_at TEXT NOT NULL,
            meaning TEXT NOT NULL,
            UNIQUE (kind, uid, version, username)
        )""")
    db.execute("CREATE INDEX signatures_record ON signatures(kind, uid, version)")
    _immutable(db, "signatures", "signatures")


@migration
def m004_covering_indexes(db: sqlite_utils.Database) -> None:
    # The current_* views test each row's version and deleted flag. With those columns in the
    # index, bulk reads (audit return, reviews) answer from index pages alone instead of
    # decrypting every record page, so they grow linearly with the number of patients.
    for table in RECORD_TABLES:
        db.execute(f"DROP INDEX {table}_patient")
        db.execute(f"DROP INDEX {table}_on_date")
        db.execute(
            f"CREATE INDEX {table}_patient ON {table}(patient_uid, on_date, uid, version, deleted)"
        )
        db.execute(
            f"CREATE INDEX {table}_on_date ON {table}(on_date, patient_uid, uid, version, deleted)"
        )


@migration
def m005_current_without_random_lookups(db: sqlite_utils.Database) -> None:
    # "Current" was max(version) per uid: one probe of the (uid, version) index for every row
    # read, at random places in an index that grows with the whole history, so bulk reads
    # slowed faster than the data grew. Versions are 1, 2, 3... so a row is current when no
    # higher version exists, and every higher version is > 1: a partial index of amended rows
    # (a small fraction, cached) answers that.
    for table in RECORD_TABLES:
        db.execute(f"CREATE INDEX {table}_amended ON {table}(uid, version) WHERE version > 1")
        db.execute(f"DROP VIEW current_{table}")
        db.execute(f"""
            CREATE VIEW current_{table} AS
            SELECT * FROM {table} AS r
            WHERE r.deleted = 0
              AND NOT EXISTS (SELECT 1 FROM {table} AS later
                              WHERE later.uid = r.uid AND later.version > 1
                                AND later.version > r.version)""")


@migration
def m006_year_totals_index(db: sqlite_utils.Database) -> None:
    # The audit return reads every infusion of a year: with the dose and route in the index,
    # in date order, that is one contiguous stretch of index, and no record page is decrypted.
    db.execute("""
        CREATE INDEX infusions_year_totals ON infusions(
            on_date, patient_uid, uid, version, deleted,
            json_extract(data, '$.grams'), json_extract(data, '$.route'))""")


@migration
def m007_year_outcomes_index(db: sqlite_utils.Database) -> None:
    # The audit return also reads every assessment of a year, for two answers only (any organ
    # involved, dermatoneuro syndrome): with those in the index, no record page is decrypted.
    db.execute("""
        CREATE INDEX assessments_year_outcomes ON assessments(
            on_date, patient_uid, uid, version, deleted,
            json_extract(data, '$.systemic'), json_extract(data, '$.dermatoneuro_syndrome'))""")


@migration
def m008_record_lineage(db: sqlite_utils.Database) -> None:
    # Where a version written by an import came from, as the file said: the revisions it
    # descends from, and who saved it when at the site that saved it (issue 14.2). Files
    # exchanged between sites then merge only what descends from what is held, and the next
    # export states the same lineage. A version saved here needs no row: it descends from the
    # version before it. Rows are never changed, as the versions they describe.
    db.execute("""
        CREATE TABLE lineage (
            kind TEXT NOT NULL,
            uid TEXT NOT NULL CHECK (length(uid) = 32),
            version INTEGER NOT NULL CHECK (version >= 1),
            patient_uid TEXT NOT NULL REFERENCES patient_keys(patient_uid),
            ancestors TEXT NOT NULL CHECK (json_valid(ancestors)),
            saved_at TEXT NOT NULL,
            saved_by TEXT NOT NULL,
            PRIMARY KEY (kind, uid, version)
        )""")
    db.execute("CREATE INDEX lineage_patient ON lineage(patient_uid, kind)")
    _immutable(db, "lineage", "record lineages")


@migration
def m009_centre_settings_and_account_keys(db: sqlite_utils.Database) -> None:
    # Centre-wide settings (letterhead, letter author, idle lock, backups kept) were a file on
    # each computer that anyone could edit; they belong to the record, changed by an
    # administrator and audited. One row per setting, its value as JSON.
    db.execute("""
        CREATE TABLE centre_settings (
            key TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 64),
            value TEXT NOT NULL CHECK (json_valid(value)),
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL
        )""")
    # Each account's public key (hex), authoritative over the keyring's copy: a new database
    # key is sealed to the keys the database holds, so editing the keyring cannot slip one in.
    db.execute("ALTER TABLE users ADD COLUMN public_key TEXT")


@migration
def m010_stopped_treatment(db: sqlite_utils.Database) -> None:
    # domain.md section 3: a stop decision ends the review schedule, and the patient list and
    # the reviews dashboard say "treatment stopped on ..." from this cache. Its rows are derived:
    # those of patients with a stop decision (the only ones the rule changes) are marked stale,
    # to be computed again on opening (in memory until the first write); marking every row
    # would recompute 10,000 patients' summaries on the first opening, minutes.
    db.execute("ALTER TABLE patient_summary ADD COLUMN stopped_on TEXT")
    db.execute(
        "UPDATE patient_summary SET forms_version = '' WHERE patient_uid IN (SELECT patient_uid "
        "FROM current_decisions WHERE json_extract(data, '$.decision') = 'stop')"
    )
    # The audit return reads each patient's stop and start decisions (a stop ends the regimen
    # in force): with the decision's kind in the index, no record page is decrypted for it.
    db.execute("""
        CREATE INDEX decisions_kind ON decisions(
            patient_uid, json_extract(data, '$.decision'), on_date, uid, version, deleted)""")


@migration
def m011_meetings(db: sqlite_utils.Database) -> None:
    # The MDT meeting (domain.md section 6a, issue 17). A meeting is one versioned document
    # (date, time, place, chair, attendees with their roles and whether present, the agenda
    # in order with each item's state) stored like the patient records: every change (someone
    # arrives or leaves, an item is discussed) adds a version with its audit entry, and rows
    # are never changed. Attendance and agenda are kept in the document, not in tables of
    # their own, so each version is the whole meeting as it stood at that moment.
    db.execute("""
        CREATE TABLE meetings (
            row_id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL CHECK (length(uid) = 32),
            version INTEGER NOT NULL CHECK (version >= 1),
            on_date TEXT NOT NULL CHECK (on_date GLOB
                '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
            data TEXT NOT NULL CHECK (json_valid(data)),
            deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
            saved_at TEXT NOT NULL,
            saved_by TEXT NOT NULL,
            change_reason TEXT NOT NULL DEFAULT '',
            UNIQUE (uid, version)
        )""")
    db.execute("CREATE INDEX meetings_on_date ON meetings(on_date, uid, version, deleted)")
    _immutable(db, "meetings", "saved meetings versions")
    db.execute("""
        CREATE VIEW current_meetings AS
        SELECT * FROM meetings AS r
        WHERE r.deleted = 0
          AND NOT EXISTS (SELECT 1 FROM meetings AS later
                          WHERE later.uid = r.uid AND later.version > r.version)""")
    # A decision taken in a meeting names it (data.meeting.uid): the outcomes summary and the
    # letters find a meeting's decisions from this index, without reading every decision.
    db.execute("""
        CREATE INDEX decisions_meeting ON decisions(
            json_extract(data, '$.meeting.uid'), patient_uid, uid, version, deleted)""")
    # A dose plan's pharmacist verification is a signature on the regimen's version (kind
    # 'regimens', by an account with the pharmacist role): append-only like every signature,
    # and a changed plan is a new version, awaiting verification again. No new table.
