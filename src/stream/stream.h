/*
 * stream.h — one streaming unit: a table (or a partition child) copied from
 * the source to the target (spec/streaming.md).
 *
 *   source: COPY (SELECT <cols> FROM ONLY <t> [WHERE <pk> > <cursor>]
 *                 [ORDER BY <pk>]) TO STDOUT (FORMAT binary)
 *     → reader thread: split CopyData into tuples, group them into blocks
 *     → bounded queue (backpressure: a full queue stops the reader, so the
 *       source server blocks in send; memory never grows with the table)
 *     → writer (the calling thread): per batch BEGIN; COPY … FROM STDIN;
 *       checkpoint upsert; COMMIT — or, without a single-column primary key,
 *       the whole unit in one transaction (§6.2). Per-batch units write
 *       through two target connections, alternately, so that one backend's
 *       end-of-COPY work overlaps the next batch on the other; batches
 *       still commit in order, each with its checkpoint, and a batch
 *       boundary costs one round trip (upsert; COMMIT; BEGIN; COPY).
 *
 * Passthrough tuples are forwarded as their raw wire bytes, never decoded;
 * only the primary-key cell of a batch's last row is decoded, for the
 * cursor. A unit with masked columns runs every tuple through its masker
 * (masker.h) in the reader thread, which copies passthrough cells as raw
 * bytes and decodes only the masked ones; the cursor is always the
 * source's PK value. At the unit's end a `column.masked` event and audit
 * row per masked column, a `column.passed_through` audit row per other
 * column and the table-level `column.masked` audit row are written
 * (state.md §6). A unit whose column types lack binary send/receive, or with
 * a masked column whose type has no codec, streams in text COPY mode
 * instead (§4), announced by a `binary_fallback` event and audit row.
 *
 * Errors are value-free pv_error values naming the table, the batch number,
 * rows_processed and the SQLSTATE (errors.md §3.1 "Streaming <table>").
 */
#ifndef PRIVACI_STREAM_STREAM_H
#define PRIVACI_STREAM_STREAM_H

#include "state/state.h"
#include "stream/masker.h"
#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct pv_stream_column {
    const char *name;
    const char *type_name; /* format_type: used for the cursor's cast */
    uint32_t type_oid;
    bool binary_io; /* the type has binary send and receive */
    /* The column's masking (masker.h), or NULL for passthrough. */
    const pv_mask_spec *mask;
    /* A passthrough column's plan source for its audit row ("default", "config", …). */
    const char *passthrough_source;
} pv_stream_column;

typedef struct pv_stream_unit {
    const char *schema; /* the physical table: the child itself for partitions */
    const char *table;
    const pv_stream_column *columns; /* attnum order, generated columns left out */
    int n_columns;
    int pk_column;         /* index into columns of a single-column PK, or -1 */
    const char *cursor;    /* resume after this PK text (clear text), or NULL */
    bool cursor_encrypted; /* the PK column is masked: checkpoints store the cursor sealed
                              (streaming.md §6.1, state/cursor.h) */
    int64_t batch_rows;    /* rows per batch (streaming.md §5.1) */
    double estimated_rows; /* < 0 when unknown */
} pv_stream_unit;

typedef struct pv_stream_ctx {
    const char *source_url;
    const char *target_url;
    const char *snapshot_id; /* the coordinator's exported snapshot, or NULL */
    const char *run_id;
    const pv_audit_log *audit;
    /* The run's salt, key and faker library: masked columns, and the key of
     * sealed checkpoint cursors (salt). Never printed. */
    const pv_mask_secrets *secrets;
    /* Polled between batches: true stops the unit at the next boundary. */
    bool (*should_stop)(void);
} pv_stream_ctx;

typedef struct pv_stream_result {
    int64_t rows; /* rows committed by this attempt */
    int64_t batches;
    double duration_ms;
    bool text_mode;
    bool stopped; /* ended early because *stop was set */
    /*
     * How a failed unit failed, for the retries of streaming.md §7 (which
     * live with the caller): `retryable` when the failing side's connection
     * was lost or the server reported a transient SQLSTATE (08…, 57P01–03,
     * 53300, 40001, 40P01); `source_side` names that side; `sqlstate` is
     * the server's code ("" for an I/O error); `snapshot_refused` when the
     * exported snapshot could no longer be imported. Data errors (a row the
     * target rejects, a malformed tuple) are never retryable.
     */
    bool retryable;
    bool source_side;
    bool snapshot_refused;
    char sqlstate[6];
    char column[200]; /* "schema.table.column" the target named, or "" */
} pv_stream_result;

/* Streams one unit. Emits table.start / table.progress / table.end. */
pv_error *pv_stream_unit_run(const pv_stream_ctx *ctx, const pv_stream_unit *unit,
                             pv_stream_result *result);

/* The session settings every connection of the stream uses (streaming.md §2). */
pv_error *pv_stream_session_setup(PGconn *conn, const char *context);

#endif
