/*
 * state.h — the engine's own schema in the target, `_privaci`
 * (spec/state.md): its idempotent DDL and version gate, the run lock, the
 * run rows, the per-table checkpoints and the audit log.
 *
 * Every function takes the target connection it should use and runs plain
 * statements on it; none opens or ends a transaction unless it says so, so
 * the streaming engine can put a checkpoint upsert into the same
 * transaction as the batch it records (streaming.md §6.1). Functions are
 * thread-safe as long as each thread uses its own connection.
 *
 * Errors are the errors.md texts: exit 2 for the version gate, the lock and
 * a missing CREATE privilege, exit 1 for every other write failure. No
 * function here writes a cell value anywhere: run rows hold fingerprints,
 * identifiers and config text; checkpoints hold the cursor the caller hands
 * in (encrypted by the caller when the key column is masked); audit
 * payloads are checked against the key allowlist of state.md §6.
 */
#ifndef PRIVACI_STATE_STATE_H
#define PRIVACI_STATE_STATE_H

#include "state/uuid7.h"
#include "util/error.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* The state schema version this engine reads and writes (state.md §2). */
#define PV_STATE_SCHEMA_VERSION 1

/* ---------------------------------------------------------- schema (§1) */

/*
 * Reads _privaci.schema_metadata.schema_version into *version: 0 when the
 * schema or its row does not exist. Read-only (pre-flight and the resume
 * gate use it). A failed read is exit 2 "Verifying the _privaci state
 * schema version".
 */
pv_error *pv_state_read_version(PGconn *conn, int *version);

/*
 * The version gate alone: NULL for versions 0 (absent) and 1, the exit-2
 * error of §1 for a newer one.
 */
pv_error *pv_state_check_version(int version);

/*
 * Creates or completes the _privaci schema (§2) in ONE transaction on
 * `conn` (which must be idle): the version gate first, then only the
 * objects that are missing (each with IF NOT EXISTS), the `runs.plan`
 * column, and the schema_metadata row (first writer wins); the gate again
 * on the row that won. `engine_version` is recorded by the first writer.
 * Errors: 42501 → exit 2 "Creating the _privaci state schema"; a newer
 * version → exit 2; anything else → exit 1. Nothing is left behind on
 * failure.
 */
pv_error *pv_state_ensure_schema(PGconn *conn, const char *engine_version);

/* ------------------------------------------------------- run lock (§1) */

#define PV_RUN_LOCK_KEY1          1886546294
#define PV_RUN_LOCK_KEY2          1633904945
#define PV_RUN_LOCK_RESUME_WAIT_S 30

/*
 * Takes the session-level advisory lock on `conn`; it is held until the
 * connection closes. `wait_seconds` 0 tries once (`run`); > 0 retries once
 * per second for that long (`resume` passes PV_RUN_LOCK_RESUME_WAIT_S).
 * Still held by another session → exit 2 "Acquiring the target run lock".
 */
pv_error *pv_state_lock_acquire(PGconn *conn, int wait_seconds);

/* ------------------------------------------------------------ runs (§5) */

typedef enum {
    PV_RUN_IN_PROGRESS,
    PV_RUN_SUCCEEDED,
    PV_RUN_FAILED,
    PV_RUN_INTERRUPTED,
} pv_run_status;

const char *pv_run_status_name(pv_run_status status);

/* The identity a run row records (§3); every field is required. */
typedef struct pv_run_identity {
    const char *engine_version;
    const char *config_hash;      /* 64 hex */
    const char *salt_fingerprint; /* 16 hex */
    const char *source_db_hash;   /* 64 hex */
} pv_run_identity;

/*
 * Inserts a fresh run row (status in_progress) with a new UUIDv7 run id,
 * the canonical catalog snapshot text and the resolved plan (both may be
 * NULL; in a fresh run of ours both are given, state.md §5.1). Autocommit:
 * run it outside any transaction. On success run_id holds the id.
 * Failure → exit 1 "Recording run start in _privaci.runs".
 */
pv_error *pv_state_run_insert(PGconn *conn, const pv_run_identity *identity,
                              const char *snapshot_text, const json_t *plan,
                              char run_id[PV_UUID_TEXT_LEN]);

/*
 * Records the phase the run enters ("pre_data", "data", "post_data",
 * "sequences", "finished") by merging {"phase": …} into runs.summary
 * (streaming.md §12). Failure → exit 1 "Recording run completion in
 * _privaci.runs" (the run row is the one being updated).
 */
pv_error *pv_state_run_set_phase(PGconn *conn, const char *run_id, const char *phase);

/*
 * Terminal update: status, ended_at = now(), and `summary` (an object; may
 * be NULL) merged into the stored summary so the last phase is kept.
 * The row must exist. Failure → exit 1 "Recording run completion in
 * _privaci.runs".
 */
pv_error *pv_state_run_finish(PGconn *conn, const char *run_id, pv_run_status status,
                              const json_t *summary);

/*
 * Resume: status = in_progress, ended_at = NULL (state.md §5.2). Runs in
 * the caller's transaction (the resume loads its checkpoints in the same
 * one).
 */
pv_error *pv_state_run_reopen(PGconn *conn, const char *run_id);

/* ---------------------------------------------------- checkpoints (§2.3) */

typedef enum {
    PV_CKPT_PENDING,
    PV_CKPT_IN_PROGRESS,
    PV_CKPT_DONE,
    PV_CKPT_FAILED,
} pv_checkpoint_status;

const char *pv_checkpoint_status_name(pv_checkpoint_status status);

/* One unit's checkpoint row as loaded on resume. Owned strings. */
typedef struct pv_checkpoint {
    char *schema_name;
    char *table_name; /* the partition child's own name for partitions */
    pv_checkpoint_status status;
    char *last_pk_value; /* the stored cursor text (maybe "enc1:…"); NULL when none */
    int64_t rows_processed;
} pv_checkpoint;

/*
 * The progress upsert of §2.3: insert, or on conflict set status and
 * last_pk_value from the new row, rows_processed = old + rows_delta,
 * last_update_at = now(). `cursor` may be NULL. It runs in whatever
 * transaction the caller has open:
 *   - unit start (streaming.md §6.1): (IN_PROGRESS, resume cursor or NULL, 0);
 *   - each batch, inside the batch's transaction: (IN_PROGRESS, cursor of
 *     the batch's last row, batch rows);
 *   - a §6.2 unit seeds with (IN_PROGRESS, NULL, 0) in its one transaction;
 *   - empty/truncate tables: (DONE, NULL, 0).
 * Failure → exit 1 "Writing a table checkpoint".
 */
pv_error *pv_state_checkpoint_upsert(PGconn *conn, const char *run_id, const char *schema,
                                     const char *table, pv_checkpoint_status status,
                                     const char *cursor, int64_t rows_delta);

/*
 * The same upsert as one SQL statement with its values as escaped literals
 * (PQescapeLiteral on `conn`), for a writer that sends it together with
 * COMMIT and the next batch's BEGIN and COPY in one simple query (one round
 * trip per batch boundary). Caller frees; NULL when escaping failed.
 */
char *pv_state_checkpoint_upsert_sql(PGconn *conn, const char *run_id, const char *schema,
                                     const char *table, pv_checkpoint_status status,
                                     const char *cursor, int64_t rows_delta);

/*
 * Unit end: status = done and rows_processed += rows_delta (0 for a §6.1
 * unit whose batches already counted; the unit's total for a §6.2 unit).
 * Exactly one row must match, else exit 1 "Finalizing a table checkpoint"
 * naming the table.
 */
pv_error *pv_state_checkpoint_finalize(PGconn *conn, const char *run_id, const char *schema,
                                       const char *table, int64_t rows_delta);

/*
 * Unit failure (streaming.md §8.1): status = failed, in its own statement
 * after the unit's transaction was rolled back; inserts the row when the
 * unit failed before its first checkpoint. Cursor and count are kept.
 */
pv_error *pv_state_checkpoint_fail(PGconn *conn, const char *run_id, const char *schema,
                                   const char *table);

/*
 * Every checkpoint row of a run, sorted by (schema, table); *rows is owned
 * by the caller (pv_state_checkpoints_free). Read failure → exit 1.
 */
pv_error *pv_state_checkpoints_load(PGconn *conn, const char *run_id, pv_checkpoint **rows,
                                    size_t *n);
void pv_state_checkpoints_free(pv_checkpoint *rows, size_t n);

/* ------------------------------------------------------------ audit (§6) */

/* Where audit rows go, and whether they go at all. */
typedef struct pv_audit_log {
    char run_id[PV_UUID_TEXT_LEN];
    /* false under `audit_log: false` or --no-audit-table: every write is a no-op. */
    bool enabled;
} pv_audit_log;

void pv_audit_log_init(pv_audit_log *log, const char *run_id, bool enabled);

/* The level state.md §6 fixes for an event type ("info" for unknown types). */
const char *pv_audit_level(const char *event_type);

/*
 * True when every key of `payload` (an object; NULL counts as {}) is one
 * of the metadata keys the §6 payloads use. A payload with any other key is
 * refused, so a caller cannot slip a row's data into the audit log by
 * passing a column→value map. Nested objects are not inspected.
 */
bool pv_audit_payload_allowed(const json_t *payload);

/*
 * Writes one audit row (UUIDv7 audit_id, level from pv_audit_level). The
 * schema, table and column names may each be NULL. `payload` is borrowed.
 * Does nothing when the log is disabled. A refused payload, or a failed
 * insert, is exit 1 "Writing an audit-log entry".
 */
pv_error *pv_state_audit(PGconn *conn, const pv_audit_log *log, const char *event_type,
                         const char *schema, const char *table, const char *column,
                         const json_t *payload);

#endif
