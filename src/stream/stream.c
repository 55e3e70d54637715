/*
 * stream.c — one streaming unit: reader thread, bounded queue, writer
 * (spec/streaming.md §2, §5, §6). See stream.h for the shape.
 */
#include "stream/stream.h"

#include "catalog/pgconn.h"
#include "copy/codec.h"
#include "copy/copy.h"
#include "obs/log.h"
#include "obs/progress.h"
#include "state/cursor.h"
#include "stream/queue.h"
#include "util/ident.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/xalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A block is handed to the writer once it holds this many bytes. */
#define BLOCK_BYTES ((size_t)4 << 20)
/* A batch closes early at this many tuple bytes (streaming.md §5.2). */
#define BATCH_MAX_BYTES ((size_t)256 << 20)
/* table.progress at most this often, never in the first interval (obs §3). */
#define PROGRESS_INTERVAL_S 2.0

static const uint8_t binary_trailer[2] = {0xff, 0xff};

/* ------------------------------------------------------------ helpers */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *unit_id(const pv_stream_unit *u)
{
    return pv_xasprintf("%s.%s", u->schema, u->table);
}

static bool stop_requested(const pv_stream_ctx *ctx)
{
    return ctx->should_stop && ctx->should_stop();
}

/* Keeps the SQLSTATE of a failed result for the caller's retry decision. */
static void note_sqlstate(char dst[6], const PGresult *res)
{
    snprintf(dst, 6, "%s", res ? pv_pg_sqlstate(res) : "");
}

pv_error *pv_stream_session_setup(PGconn *conn, const char *context)
{
    /* Fixed renderings for the codecs and cursors (streaming.md §2). */
    PGresult *res = PQexec(conn, "SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; "
                                 "SET TimeZone = 'UTC'; SET extra_float_digits = 3; "
                                 "SET bytea_output = 'hex'; SET lc_monetary = 'C'");
    pv_error *err = NULL;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        err = pv_error_new(PV_EXIT_GENERIC, context, "Verify the database accepts the settings.",
                           "Session settings failed (%s).", pv_pg_sqlstate(res));
    PQclear(res);
    return err;
}

/* "<SQLSTATE> while … (constraint c, column s.t.col, batch b, rows_processed n)." */
static pv_error *write_error(const pv_stream_unit *u, const PGresult *res, int64_t batch,
                             int64_t rows)
{
    char *id = unit_id(u);
    char *context = pv_xasprintf("Streaming %s", id);
    pv_strbuf cause = PV_STRBUF_INIT;
    const char *sqlstate = res ? pv_pg_sqlstate(res) : "";
    pv_strbuf_appendf(&cause, "%s while writing to the target (", *sqlstate ? sqlstate : "I/O");
    const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    const char *column = res ? PQresultErrorField(res, PG_DIAG_COLUMN_NAME) : NULL;
    if (constraint)
        pv_strbuf_appendf(&cause, "constraint %s, ", constraint);
    if (column)
        pv_strbuf_appendf(&cause, "column %s.%s, ", id, column);
    pv_strbuf_appendf(&cause, "batch %lld, rows_processed %lld).", (long long)batch,
                      (long long)rows);
    pv_error *err = pv_error_new(
        PV_EXIT_GENERIC, context,
        "Fix the source data and run privaci resume; if mask-rules.yaml must change, fix the "
        "config and start a fresh run with privaci run --force-restart (resume refuses a "
        "changed config).",
        "%s", cause.data);
    pv_strbuf_free(&cause);
    free(context);
    free(id);
    return err;
}

static pv_error *read_error(const pv_stream_unit *u, const char *sqlstate, int64_t batch,
                            int64_t rows)
{
    char *id = unit_id(u);
    char *context = pv_xasprintf("Streaming %s", id);
    pv_error *err =
        pv_error_new(PV_EXIT_GENERIC, context,
                     "Check connectivity to both databases, then run `privaci "
                     "resume`.",
                     "%s while reading from the source (batch %lld, rows_processed "
                     "%lld).",
                     sqlstate && *sqlstate ? sqlstate : "I/O", (long long)batch, (long long)rows);
    free(context);
    free(id);
    return err;
}

/* streaming.md §4: a type without binary I/O, or a masked one without a codec. */
static bool column_needs_text(const pv_stream_column *c)
{
    return !c->binary_io || pv_mask_spec_needs_text(c->mask);
}

static bool text_mode(const pv_stream_unit *u)
{
    for (int i = 0; i < u->n_columns; i++)
        if (column_needs_text(&u->columns[i]))
            return true;
    return false;
}

static bool unit_masks(const pv_stream_unit *u)
{
    for (int i = 0; i < u->n_columns; i++)
        if (u->columns[i].mask && u->columns[i].mask->kind != PV_ACT_PASSTHROUGH)
            return true;
    return false;
}

static void append_column_list(pv_strbuf *sb, const pv_stream_unit *u)
{
    for (int i = 0; i < u->n_columns; i++) {
        if (i)
            pv_strbuf_append(sb, ", ");
        pv_ident_append(sb, u->columns[i].name);
    }
}

/* COPY (SELECT … FROM ONLY t [WHERE pk > cursor] [ORDER BY pk]) TO STDOUT. */
static char *source_query(PGconn *conn, const pv_stream_unit *u, bool text)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    pv_strbuf_append(&sb, "COPY (SELECT ");
    append_column_list(&sb, u);
    pv_strbuf_append(&sb, " FROM ONLY ");
    pv_ident_append_qualified(&sb, u->schema, u->table);
    if (u->pk_column >= 0) {
        const pv_stream_column *pk = &u->columns[u->pk_column];
        if (u->cursor) {
            /* COPY takes no parameters: the cursor is an escaped literal with
             * an explicit cast (streaming.md §2). */
            char *lit = PQescapeLiteral(conn, u->cursor, strlen(u->cursor));
            pv_strbuf_append(&sb, " WHERE ");
            pv_ident_append(&sb, pk->name);
            pv_strbuf_appendf(&sb, " > %s::%s", lit ? lit : "NULL", pk->type_name);
            PQfreemem(lit);
        }
        pv_strbuf_append(&sb, " ORDER BY ");
        pv_ident_append(&sb, pk->name);
    }
    pv_strbuf_append(&sb, text ? ") TO STDOUT" : ") TO STDOUT (FORMAT binary)");
    return pv_strbuf_take(&sb);
}

static char *target_copy(const pv_stream_unit *u, bool text)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    pv_strbuf_append(&sb, "COPY ");
    pv_ident_append_qualified(&sb, u->schema, u->table);
    pv_strbuf_append(&sb, " (");
    append_column_list(&sb, u);
    pv_strbuf_append(&sb, text ? ") FROM STDIN" : ") FROM STDIN (FORMAT binary)");
    return pv_strbuf_take(&sb);
}

/* ------------------------------------------------------------ reader */

typedef struct reader {
    const pv_stream_unit *unit;
    PGconn *conn;
    pv_queue *queue;
    bool text;
    pv_codec pk_codec; /* binary mode with a PK */
    bool pk_raw;       /* no client codec: the writer has the server render it */
    pv_masker *masker; /* NULL when every column passes through */
    pv_buf last_pk;    /* raw PK cell of the latest tuple */
    bool last_pk_null;
    char sqlstate[6];      /* of the source's failure, if any */
    bool snapshot_refused; /* SET TRANSACTION SNAPSHOT failed */
} reader;

/* The PK text of the latest tuple into the block (the cursor). */
static pv_error *render_cursor(reader *r, pv_block *b)
{
    pv_buf *out = &b->cursor;
    pv_buf_reset(out);
    if (r->last_pk_null) /* a PK is never NULL; be defensive */
        return NULL;
    pv_error *err = NULL;
    if (r->pk_raw) {
        pv_buf_put(out, r->last_pk.data, r->last_pk.len);
        b->cursor_raw = true;
        return NULL;
    }
    if (r->text)
        pv_copy_text_unescape(r->last_pk.data, r->last_pk.len, out);
    else
        err = pv_codec_decode(&r->pk_codec, PV_RENDER_OUTPUT, r->last_pk.data, r->last_pk.len, out);
    pv_buf_terminate(out);
    return err;
}

static void remember_pk(reader *r, const pv_copy_tuple *t)
{
    pv_cell c = t->cells[r->unit->pk_column];
    pv_buf_reset(&r->last_pk);
    r->last_pk_null = c.len == PV_CELL_NULL;
    if (!r->last_pk_null)
        pv_buf_put(&r->last_pk, c.data, (size_t)c.len);
}

/* Takes the next tuple of the fed chunk: binary or text. */
static pv_copy_status next_tuple(reader *r, pv_copy_reader *br, pv_copy_text_reader *tr,
                                 pv_copy_tuple *t, pv_error **err)
{
    return r->text ? pv_copy_text_reader_next(tr, t, err) : pv_copy_reader_next(br, t, err);
}

static void *reader_main(void *arg)
{
    reader *r = arg;
    const pv_stream_unit *u = r->unit;
    pv_copy_reader br;
    pv_copy_text_reader tr;
    pv_copy_reader_init(&br, u->n_columns);
    pv_copy_text_reader_init(&tr, u->n_columns);
    pv_error *err = NULL;
    int64_t batch_rows = 0, batches = 0, total = 0;
    size_t batch_bytes = 0;
    pv_block *block = pv_queue_take_free(r->queue);
    const char *sqlstate = NULL;

    while (block && !err) {
        char *chunk = NULL;
        int n = PQgetCopyData(r->conn, &chunk, 0);
        if (n == -1)
            break;
        if (n < 0) {
            err = read_error(u, "", batches + 1, total);
            break;
        }
        if (r->text)
            pv_copy_text_reader_feed(&tr, (const uint8_t *)chunk, (size_t)n);
        else
            pv_copy_reader_feed(&br, (const uint8_t *)chunk, (size_t)n);
        for (;;) {
            pv_copy_tuple t;
            pv_copy_status st = next_tuple(r, &br, &tr, &t, &err);
            if (st == PV_COPY_NEED_MORE || st == PV_COPY_END)
                break;
            if (st == PV_COPY_ERROR)
                break;
            size_t before = block->data.len;
            if (r->masker) {
                err = pv_masker_tuple(r->masker, &t, &block->data);
                if (err)
                    break;
            } else {
                pv_buf_put(&block->data, t.raw, t.raw_len);
                if (r->text)
                    pv_buf_putc(&block->data, '\n');
            }
            if (u->pk_column >= 0)
                remember_pk(r, &t);
            block->rows++;
            batch_rows++;
            total++;
            batch_bytes += block->data.len - before;
            if (batch_rows >= u->batch_rows || batch_bytes >= BATCH_MAX_BYTES) {
                block->batch_end = true;
                if (u->pk_column >= 0 && !err)
                    err = render_cursor(r, block);
                pv_queue_push_full(r->queue, block);
                batches++;
                batch_rows = 0;
                batch_bytes = 0;
                block = pv_queue_take_free(r->queue);
            } else if (block->data.len >= BLOCK_BYTES) {
                pv_queue_push_full(r->queue, block);
                block = pv_queue_take_free(r->queue);
            }
            if (!block)
                break;
        }
        PQfreemem(chunk);
    }

    /* The server's verdict first: a COPY it aborted (e.g. a type without a
     * binary output function) also ends the data early, and its SQLSTATE —
     * not "ended before its trailer" — is the cause to report. */
    if (block && !err) {
        PGresult *res = PQgetResult(r->conn);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            sqlstate = pv_pg_sqlstate(res);
            note_sqlstate(r->sqlstate, res);
            err = read_error(u, sqlstate, batches + 1, total);
        }
        PQclear(res);
    }
    if (block && !err)
        err = r->text ? pv_copy_text_reader_finish(&tr) : pv_copy_reader_finish(&br);
    if (block) {
        if (!err && batch_rows > 0) {
            block->batch_end = true;
            if (u->pk_column >= 0)
                err = render_cursor(r, block);
        }
        block->error = err;
        err = NULL;
        pv_queue_push_full(r->queue, block);
    }
    pv_error_free(err);
    pv_copy_reader_free(&br);
    pv_copy_text_reader_free(&tr);
    pv_queue_reader_done(r->queue);
    return NULL;
}

/* ------------------------------------------------------------ writer */

/*
 * One target connection of the writer. A per-batch unit uses two,
 * alternately (streaming.md §6.1 unchanged: one transaction per batch,
 * committed in batch order): while batch k streams on one, the other's
 * backend finishes batch k−1's COPY — PostgreSQL's fixed end-of-COPY work
 * (a few ms per COPY, e.g. releasing the multi-insert buffer's slots) —
 * and only then, after k's data is sent, does k−1 record its checkpoint
 * and COMMIT. Every other unit uses one.
 */
typedef struct wslot {
    PGconn *conn;
    bool copy_open;  /* in COPY IN */
    bool ending;     /* its batch's COPY end was sent; result, checkpoint and COMMIT to come */
    int64_t pending; /* rows sent in its open or ending COPY */
    pv_buf cursor;   /* the ending batch's cursor (NUL-terminated) */
    bool cursor_raw; /* cursor holds the PK's binary bytes */
} wslot;

typedef struct writer {
    const pv_stream_ctx *ctx;
    const pv_stream_unit *unit;
    wslot s; /* the current connection: what every statement below uses */
    wslot o; /* per-batch units: the other connection (conn NULL until needed) */
    bool text;
    int64_t committed; /* rows durable on the target */
    int64_t batch;     /* 1-based number of the next batch to commit */
    double started, last_progress;
    char sqlstate[6];   /* of the target's failure, if any */
    char column[64];    /* the column the target named in it, if any */
    bool source_failed; /* the failure came from the reader */
    const pv_masker *masker;
} writer;

static void swap_slots(writer *w)
{
    wslot t = w->s;
    w->s = w->o;
    w->o = t;
}

/* What the target said about a failure: its SQLSTATE and column — never DETAIL. */
static void note_failure(writer *w, const PGresult *res)
{
    note_sqlstate(w->sqlstate, res);
    const char *column = res ? PQresultErrorField(res, PG_DIAG_COLUMN_NAME) : NULL;
    snprintf(w->column, sizeof(w->column), "%s", column ? column : "");
}

static pv_error *exec_simple(writer *w, const char *sql)
{
    PGresult *res = PQexec(w->s.conn, sql);
    pv_error *err = NULL;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        note_failure(w, res);
        err = write_error(w->unit, res, w->batch, w->committed + w->s.pending);
    }
    PQclear(res);
    return err;
}

static pv_error *put(writer *w, const uint8_t *data, size_t len)
{
    if (len == 0 || PQputCopyData(w->s.conn, (const char *)data, (int)len) == 1)
        return NULL;
    return write_error(w->unit, NULL, w->batch, w->committed + w->s.pending);
}

/*
 * Reads the results of a simple query of several statements sent with
 * PQsendQuery, in order. `commit_at` is the index of its COMMIT, or -1;
 * *committed tells whether that COMMIT succeeded (statements after a
 * failing one are skipped by the server). A final COPY … FROM STDIN leaves
 * the connection in COPY IN mode (w->s.copy_open).
 */
static pv_error *read_results(writer *w, int commit_at, bool *committed)
{
    pv_error *err = NULL;
    PGresult *res;
    for (int i = 0; (res = PQgetResult(w->s.conn)) != NULL; i++) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_COPY_IN) {
            PQclear(res);
            w->s.copy_open = true;
            break;
        }
        if (st != PGRES_COMMAND_OK) {
            if (!err) {
                note_failure(w, res);
                err = write_error(w->unit, res, w->batch, w->committed + w->s.pending);
            }
        } else if (i == commit_at && committed) {
            *committed = true;
        }
        PQclear(res);
    }
    return err;
}

/*
 * Sends `prefix` (statements ending in "; ", may be empty), then — for a
 * per-batch unit — BEGIN, then the target COPY, as one simple query: one
 * round trip opens the next batch. `commit_at` as for read_results.
 */
static pv_error *open_copy(writer *w, const char *prefix, bool begin, int commit_at,
                           bool *committed)
{
    char *copy = target_copy(w->unit, w->text);
    char *sql = pv_xasprintf("%s%s%s", prefix, begin ? "BEGIN; " : "", copy);
    int sent = PQsendQuery(w->s.conn, sql);
    free(sql);
    free(copy);
    if (!sent)
        return write_error(w->unit, NULL, w->batch, w->committed + w->s.pending);
    pv_error *err = read_results(w, commit_at, committed);
    if (!err && !w->s.copy_open)
        err = write_error(w->unit, NULL, w->batch, w->committed + w->s.pending);
    if (err || w->text)
        return err;
    static const uint8_t header[19] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0};
    return put(w, header, sizeof(header));
}

/* Sends the trailer and ends the COPY; its result is read by copy_result. */
static pv_error *copy_send_end(writer *w)
{
    pv_error *err = w->text ? NULL : put(w, binary_trailer, sizeof(binary_trailer));
    w->s.copy_open = false;
    if (err)
        return err;
    if (PQputCopyEnd(w->s.conn, NULL) != 1)
        return write_error(w->unit, NULL, w->batch, w->committed + w->s.pending);
    return NULL;
}

static pv_error *copy_result(writer *w)
{
    pv_error *err = NULL;
    PGresult *res;
    while ((res = PQgetResult(w->s.conn)) != NULL) {
        if (!err && PQresultStatus(res) != PGRES_COMMAND_OK) {
            note_failure(w, res);
            err = write_error(w->unit, res, w->batch, w->committed);
        }
        PQclear(res);
    }
    return err;
}

static pv_error *copy_end(writer *w)
{
    pv_error *err = copy_send_end(w);
    return err ? err : copy_result(w);
}

static void emit_progress(writer *w, bool force_end)
{
    double now = now_seconds();
    if (force_end || now - w->last_progress < PROGRESS_INTERVAL_S)
        return;
    w->last_progress = now;
    double elapsed = now - w->started;
    json_t *f = json_object();
    json_object_set_new(f, "schema_name", json_string(w->unit->schema));
    json_object_set_new(f, "table_name", json_string(w->unit->table));
    json_object_set_new(f, "rows_processed", json_integer(w->committed));
    json_object_set_new(
        f, "rows_per_sec",
        json_real(elapsed > 0 ? (double)(int64_t)(w->committed / elapsed * 100) / 100.0 : 0.0));
    if (w->unit->estimated_rows > 0) {
        double pct = 100.0 * (double)w->committed / w->unit->estimated_rows;
        json_object_set_new(f, "percent_complete",
                            json_real(pct > 100.0 ? 100.0 : (double)(int64_t)(pct * 100) / 100.0));
    } else {
        json_object_set_new(f, "percent_complete", json_null());
    }
    pv_event(PV_LOG_INFO, "table.progress", f);
}

/*
 * The text of a PK value the client has no codec for (a domain, an enum, an
 * extension type): the server decodes the binary bytes with the type's
 * receive function and prints it. Once per batch, inside its transaction.
 */
static pv_error *server_render(writer *w, wslot *b)
{
    const pv_stream_column *pk = &w->unit->columns[w->unit->pk_column];
    char *sql = pv_xasprintf("SELECT ($1::%s)::pg_catalog.text", pk->type_name);
    const char *values[1] = {(const char *)b->cursor.data};
    int lengths[1] = {(int)b->cursor.len};
    int formats[1] = {1};
    PGresult *res = PQexecParams(w->s.conn, sql, 1, NULL, values, lengths, formats, 0);
    free(sql);
    pv_error *err = NULL;
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        err = write_error(w->unit, res, w->batch, w->committed + w->s.pending);
    else {
        pv_buf_reset(&b->cursor);
        pv_buf_puts(&b->cursor, PQgetvalue(res, 0, 0));
        pv_buf_terminate(&b->cursor);
        b->cursor_raw = false;
    }
    PQclear(res);
    return err;
}

/*
 * The current connection's ending batch: read its COPY result, then in one
 * round trip record the checkpoint, COMMIT, and — with `reopen` — open
 * the connection's next batch (BEGIN; COPY). The batch counts as committed
 * as soon as its COMMIT succeeded, whatever happens to the statements
 * after it.
 */
static pv_error *finish_batch(writer *w, bool reopen)
{
    w->s.ending = false;
    pv_error *err = copy_result(w);
    if (!err && w->s.cursor_raw)
        err = server_render(w, &w->s);
    if (err)
        return err;
    const char *cursor = (const char *)w->s.cursor.data;
    /* §6.1: a masked key's cursor is stored sealed, never in clear. */
    char *sealed =
        cursor && w->unit->cursor_encrypted ? pv_cursor_seal(cursor, w->ctx->secrets->salt) : NULL;
    char *upsert =
        pv_state_checkpoint_upsert_sql(w->s.conn, w->ctx->run_id, w->unit->schema, w->unit->table,
                                       PV_CKPT_IN_PROGRESS, sealed ? sealed : cursor, w->s.pending);
    free(sealed);
    if (!upsert)
        return write_error(w->unit, NULL, w->batch, w->committed + w->s.pending);
    bool committed = false;
    if (reopen) {
        char *prefix = pv_xasprintf("%s; COMMIT; ", upsert);
        err = open_copy(w, prefix, true, 1, &committed);
        free(prefix);
    } else {
        char *sql = pv_xasprintf("%s; COMMIT", upsert);
        if (!PQsendQuery(w->s.conn, sql))
            err = write_error(w->unit, NULL, w->batch, w->committed + w->s.pending);
        else
            err = read_results(w, 1, &committed);
        free(sql);
    }
    free(upsert);
    if (committed) {
        w->committed += w->s.pending;
        pv_progress_add_rows(w->s.pending);
        w->s.pending = 0;
        w->batch++;
        emit_progress(w, false);
    }
    return err;
}

/* The second target connection of a per-batch unit, opened when its first batch starts. */
static pv_error *open_second(writer *w)
{
    pv_error *err = pv_pg_connect(PV_PG_TARGET, w->ctx->target_url, &w->s.conn);
    if (!err)
        err = pv_stream_session_setup(w->s.conn, "Connecting to the target database");
    return err;
}

/*
 * A batch of a single-PK unit has all its rows: send its COPY end without
 * waiting, then switch connections — commit the other connection's older
 * batch first (its backend has finished its COPY meanwhile) and open the
 * next batch there. Batches therefore commit in order.
 */
static pv_error *end_batch(writer *w, const pv_block *b)
{
    pv_buf_reset(&w->s.cursor);
    pv_buf_put(&w->s.cursor, b->cursor.data, b->cursor.len);
    pv_buf_terminate(&w->s.cursor);
    w->s.cursor_raw = b->cursor_raw;
    pv_error *err = copy_send_end(w);
    if (err)
        return err;
    w->s.ending = true;
    swap_slots(w); /* from here on, a failure is the other connection's */
    return w->s.ending ? finish_batch(w, true) : NULL;
}

/* Ends the COPY a batch boundary opened when no row came after it, and its transaction. */
static pv_error *close_empty_copy(writer *w)
{
    if (!w->s.copy_open || w->s.pending != 0)
        return NULL;
    pv_error *err = copy_end(w);
    if (!err)
        err = exec_simple(w, "ROLLBACK");
    return err;
}

/*
 * The end of a per-batch unit's rows (or a stop at a batch boundary):
 * commit the ending batch on the other connection, then close both
 * connections' empty COPYs. Leaves the current connection idle.
 */
static pv_error *finish_batches(writer *w)
{
    pv_error *err = close_empty_copy(w);
    if (err || !w->o.conn)
        return err;
    swap_slots(w);
    if (w->s.ending)
        err = finish_batch(w, false);
    if (!err)
        err = close_empty_copy(w);
    return err;
}

static pv_error *write_block(writer *w, pv_block *b, bool pk_mode)
{
    pv_error *err = NULL;
    if (b->rows > 0 && !w->s.conn)
        err = open_second(w);
    if (!err && b->rows > 0 && !w->s.copy_open)
        err = open_copy(w, "", pk_mode, -1, NULL);
    if (!err && b->rows > 0) {
        err = put(w, b->data.data, b->data.len);
        w->s.pending += b->rows;
    }
    if (!err && pk_mode && b->batch_end && w->s.copy_open)
        err = end_batch(w, b);
    return err;
}

/*
 * Pops blocks until the reader is done. After a failure, or a stop request
 * at a batch boundary (the whole unit for §6.2 units), the queue is closed
 * and the remaining blocks are discarded unwritten.
 */
static pv_error *drain(writer *w, pv_queue *q, bool pk_mode, bool *stopped)
{
    pv_error *err = NULL;
    bool discard = false;
    pv_block *b;
    while ((b = pv_queue_pop_full(q)) != NULL) {
        if (!discard && b->error) {
            err = b->error;
            b->error = NULL;
            w->source_failed = true;
        }
        if (!err && !discard)
            err = write_block(w, b, pk_mode);
        pv_queue_give_back(q, b);
        /* A per-batch unit stops at a batch boundary: nothing pending. */
        if (!discard && (err || (stop_requested(w->ctx) && (!pk_mode || w->s.pending == 0)))) {
            discard = true;
            *stopped = !err;
            pv_queue_close(q);
        }
    }
    return err;
}

/* ------------------------------------------------------------ the unit */

/* The connection is left in r->conn even on failure: its state tells a lost server. */
static pv_error *open_source(const pv_stream_ctx *ctx, reader *r)
{
    const pv_stream_unit *u = r->unit;
    PGconn *conn = NULL;
    pv_error *err = pv_pg_connect(PV_PG_SOURCE, ctx->source_url, &conn);
    if (!err)
        err = pv_stream_session_setup(conn, "Connecting to the source database");
    if (!err) {
        PGresult *res = PQexec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            note_sqlstate(r->sqlstate, res);
            err = read_error(u, pv_pg_sqlstate(res), 1, 0);
        }
        PQclear(res);
    }
    if (!err && ctx->snapshot_id) {
        char *lit = PQescapeLiteral(conn, ctx->snapshot_id, strlen(ctx->snapshot_id));
        char *sql = pv_xasprintf("SET TRANSACTION SNAPSHOT %s", lit);
        PQfreemem(lit);
        PGresult *res = PQexec(conn, sql);
        free(sql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            /* The coordinator's transaction is gone (§7 snapshot_lost). */
            r->snapshot_refused = PQstatus(conn) == CONNECTION_OK;
            note_sqlstate(r->sqlstate, res);
            err = read_error(u, pv_pg_sqlstate(res), 1, 0);
        }
        PQclear(res);
    }
    if (!err) {
        char *sql = source_query(conn, u, r->text);
        PGresult *res = PQexec(conn, sql);
        free(sql);
        if (PQresultStatus(res) != PGRES_COPY_OUT) {
            note_sqlstate(r->sqlstate, res);
            err = read_error(u, pv_pg_sqlstate(res), 1, 0);
        }
        PQclear(res);
    }
    r->conn = conn;
    return err;
}

static void emit_start(const pv_stream_unit *u)
{
    json_t *f = json_object();
    json_object_set_new(f, "schema_name", json_string(u->schema));
    json_object_set_new(f, "table_name", json_string(u->table));
    json_object_set_new(f, "estimated_rows",
                        u->estimated_rows >= 0 ? json_integer((json_int_t)u->estimated_rows)
                                               : json_null());
    pv_event(PV_LOG_INFO, "table.start", f);
}

static void emit_end(const pv_stream_unit *u, int64_t rows, double ms)
{
    json_t *f = json_object();
    json_object_set_new(f, "schema_name", json_string(u->schema));
    json_object_set_new(f, "table_name", json_string(u->table));
    json_object_set_new(f, "rows_processed", json_integer(rows));
    json_object_set_new(f, "duration_ms", json_real((double)(int64_t)(ms * 1000) / 1000.0));
    json_object_set_new(f, "status", json_string("done"));
    pv_event(PV_LOG_INFO, "table.end", f);
}

/*
 * binary_fallback (streaming.md §4): event and audit row naming the types,
 * sorted and each once; the audit payload key is `types` (state.md §6).
 */
static pv_error *announce_text_mode(const pv_stream_ctx *ctx, PGconn *target,
                                    const pv_stream_unit *u)
{
    pv_strlist names = {0};
    for (int i = 0; i < u->n_columns; i++)
        if (column_needs_text(&u->columns[i]) &&
            !pv_strlist_contains(&names, u->columns[i].type_name))
            pv_strlist_push(&names, u->columns[i].type_name);
    pv_strlist_sort(&names);
    json_t *types = json_array();
    for (size_t i = 0; i < names.n; i++)
        json_array_append_new(types, json_string(names.items[i]));
    pv_strlist_free(&names);
    char *id = unit_id(u);
    json_t *log = json_object();
    json_object_set_new(log, "table", json_string(id));
    pv_event(PV_LOG_INFO, "table.text_fallback", log);
    free(id);
    json_t *f = json_object();
    json_object_set_new(f, "schema_name", json_string(u->schema));
    json_object_set_new(f, "table_name", json_string(u->table));
    json_object_set(f, "unsupported_types", types);
    pv_event(PV_LOG_WARNING, "binary_fallback", f);
    json_t *payload = json_object();
    json_object_set_new(payload, "types", types);
    pv_error *err =
        pv_state_audit(target, ctx->audit, "binary_fallback", u->schema, u->table, NULL, payload);
    json_decref(payload);
    return err;
}

static pv_error *unit_start(writer *w, bool pk_mode)
{
    const pv_stream_unit *u = w->unit;
    if (pk_mode) {
        char *sealed = u->cursor && u->cursor_encrypted
                           ? pv_cursor_seal(u->cursor, w->ctx->secrets->salt)
                           : NULL;
        pv_error *err =
            pv_state_checkpoint_upsert(w->s.conn, w->ctx->run_id, u->schema, u->table,
                                       PV_CKPT_IN_PROGRESS, sealed ? sealed : u->cursor, 0);
        free(sealed);
        return err;
    }
    /* §6.2: one transaction for the whole unit; a leftover partial load of
     * an earlier attempt is truncated first. */
    pv_error *err = exec_simple(w, "BEGIN");
    if (!err) {
        pv_strbuf sb = PV_STRBUF_INIT;
        pv_strbuf_append(&sb, "TRUNCATE ONLY ");
        pv_ident_append_qualified(&sb, u->schema, u->table);
        err = exec_simple(w, sb.data);
        pv_strbuf_free(&sb);
    }
    if (!err)
        err = pv_state_checkpoint_upsert(w->s.conn, w->ctx->run_id, u->schema, u->table,
                                         PV_CKPT_IN_PROGRESS, NULL, 0);
    return err;
}

static json_t *column_fields(const pv_stream_unit *u, const char *column)
{
    json_t *f = json_object();
    json_object_set_new(f, "schema_name", json_string(u->schema));
    json_object_set_new(f, "table_name", json_string(u->table));
    json_object_set_new(f, "column_name", json_string(column));
    return f;
}

/*
 * state.md §6 at the unit's end: per masked column a `column.masked` event
 * and audit row {action, provider, rows_affected}; per other column a
 * `column.passed_through` audit row {rows_affected, source}; and the
 * table-level `column.masked` row {rows_affected, action: "pipeline"}.
 * Counts are those of the attempt that finished the unit.
 */
static pv_error *record_columns(writer *w, const pv_masker *m)
{
    const pv_stream_unit *u = w->unit;
    const pv_audit_log *log = w->ctx->audit;
    pv_error *err = NULL;
    for (int i = 0; i < u->n_columns && !err; i++) {
        const pv_stream_column *c = &u->columns[i];
        json_t *p = json_object();
        if (c->mask && c->mask->kind != PV_ACT_PASSTHROUGH) {
            int64_t rows = m ? pv_masker_rows_affected(m, i) : 0;
            json_object_set_new(p, "action", json_string(pv_action_name(c->mask->kind)));
            json_object_set_new(p, "provider",
                                c->mask->provider ? json_string(c->mask->provider) : json_null());
            json_object_set_new(p, "rows_affected", json_integer(rows));
            json_t *f = column_fields(u, c->name);
            json_object_update(f, p);
            pv_event(PV_LOG_INFO, "column.masked", f);
            err = pv_state_audit(w->s.conn, log, "column.masked", u->schema, u->table, c->name, p);
        } else {
            json_object_set_new(p, "rows_affected", json_integer(w->committed));
            json_object_set_new(
                p, "source",
                json_string(c->passthrough_source ? c->passthrough_source : "default"));
            err = pv_state_audit(w->s.conn, log, "column.passed_through", u->schema, u->table,
                                 c->name, p);
        }
        json_decref(p);
    }
    if (!err) {
        json_t *p = json_object();
        json_object_set_new(p, "rows_affected", json_integer(w->committed));
        json_object_set_new(p, "action", json_string("pipeline"));
        err = pv_state_audit(w->s.conn, log, "column.masked", u->schema, u->table, NULL, p);
        json_decref(p);
    }
    return err;
}

static pv_error *unit_finish(writer *w, bool pk_mode)
{
    const pv_stream_unit *u = w->unit;
    pv_error *err = pk_mode ? finish_batches(w) : NULL;
    if (!pk_mode && w->s.copy_open)
        err = copy_end(w);
    if (!err && !pk_mode) {
        w->committed += w->s.pending;
        pv_progress_add_rows(w->s.pending);
        w->s.pending = 0;
    }
    if (!err)
        err = pv_state_checkpoint_finalize(w->s.conn, w->ctx->run_id, u->schema, u->table,
                                           pk_mode ? 0 : w->committed);
    if (!err)
        err = record_columns(w, w->masker);
    if (!err && !pk_mode)
        err = exec_simple(w, "COMMIT");
    return err;
}

/* §7 "what counts": a server state that a fresh connection may not meet again. */
static bool transient_sqlstate(const char *s)
{
    static const char *const codes[] = {"57P01", "57P02", "57P03", "53300", "40001", "40P01"};
    if (strncmp(s, "08", 2) == 0)
        return true;
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (strcmp(s, codes[i]) == 0)
            return true;
    return false;
}

/*
 * Records how the unit failed. A lost connection is judged by the failing
 * side's connection state, not by the absence of a SQLSTATE: a malformed
 * tuple has no SQLSTATE either, and retrying it would only fail again.
 */
static void classify(pv_stream_result *result, const writer *w, const reader *r)
{
    bool source = w->source_failed;
    const char *sqlstate = source ? r->sqlstate : w->sqlstate;
    PGconn *conn = source ? r->conn : w->s.conn;
    result->source_side = source;
    result->snapshot_refused = source && r->snapshot_refused;
    snprintf(result->sqlstate, sizeof(result->sqlstate), "%s", sqlstate);
    if (!source && w->column[0])
        snprintf(result->column, sizeof(result->column), "%s.%s.%s", w->unit->schema,
                 w->unit->table, w->column);
    result->retryable = result->snapshot_refused || PQstatus(conn) == CONNECTION_BAD ||
                        transient_sqlstate(sqlstate);
}

pv_error *pv_stream_unit_run(const pv_stream_ctx *ctx, const pv_stream_unit *unit,
                             pv_stream_result *result)
{
    memset(result, 0, sizeof(*result));
    pv_stream_unit u = *unit;
    reader r = {.unit = &u};
    bool text = text_mode(&u);
    if (u.pk_column >= 0 && !text)
        r.pk_raw = !pv_codec_for_oid(u.columns[u.pk_column].type_oid, &r.pk_codec);
    bool pk_mode = u.pk_column >= 0;
    if (!pk_mode)
        u.cursor = NULL;
    r.text = text;
    result->text_mode = text;

    writer w = {.ctx = ctx, .unit = &u, .text = text, .batch = 1};
    w.started = w.last_progress = now_seconds();
    emit_start(&u);

    pv_error *err = pv_pg_connect(PV_PG_TARGET, ctx->target_url, &w.s.conn);
    if (!err)
        err = pv_stream_session_setup(w.s.conn, "Connecting to the target database");
    if (!err && text)
        err = announce_text_mode(ctx, w.s.conn, &u);
    if (!err) {
        err = open_source(ctx, &r);
        w.source_failed = err != NULL;
    }
    if (!err && unit_masks(&u)) {
        const pv_mask_spec **specs = pv_xcalloc((size_t)u.n_columns + 1, sizeof(*specs));
        for (int i = 0; i < u.n_columns; i++)
            specs[i] = u.columns[i].mask;
        err = pv_masker_new(specs, u.n_columns, ctx->secrets, text, &r.masker);
        free(specs);
        w.masker = r.masker;
    }
    if (!err)
        err = unit_start(&w, pk_mode);
    if (err) {
        classify(result, &w, &r);
        PQfinish(w.s.conn);
        PQfinish(r.conn);
        pv_masker_free(r.masker);
        return err;
    }

    pv_queue q;
    pv_queue_init(&q);
    r.queue = &q;
    pthread_t thread;
    pthread_create(&thread, NULL, reader_main, &r);
    bool stopped = false;
    err = drain(&w, &q, pk_mode, &stopped);
    pthread_join(thread, NULL);
    pv_queue_destroy(&q);
    pv_buf_free(&r.last_pk);

    if (!err && !stopped)
        err = unit_finish(&w, pk_mode);
    else if (!err && pk_mode)
        err = finish_batches(&w);
    /* Best effort; the connection may be gone. Not when no transaction is
     * open (a failure between batches): the server would warn on stderr. */
    if ((err || stopped) && w.s.conn && PQtransactionStatus(w.s.conn) != PQTRANS_IDLE)
        PQclear(PQexec(w.s.conn, "ROLLBACK"));
    if (err)
        classify(result, &w, &r);
    PQfinish(r.conn);
    PQfinish(w.s.conn);
    PQfinish(w.o.conn);
    pv_buf_free(&w.s.cursor);
    pv_buf_free(&w.o.cursor);
    pv_masker_free(r.masker);

    result->rows = w.committed;
    result->batches = w.batch - 1;
    result->duration_ms = (now_seconds() - w.started) * 1000.0;
    result->stopped = stopped;
    if (!err && !stopped)
        emit_end(&u, w.committed, result->duration_ms);
    return err;
}
