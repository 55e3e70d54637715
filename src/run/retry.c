/* retry.c — streaming.md §7 around one unit; see retry.h. */
#include "run/retry.h"

#include "catalog/pgconn.h"
#include "obs/log.h"
#include "state/cursor.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The back-off is slept in slices so that a signal is noticed at once. */
#define SLEEP_SLICE_S 0.05

pv_error *pv_cursor_open(const char *stored, bool encrypted, const char *salt, const char *unit_id,
                         char **clear)
{
    *clear = NULL;
    if (!stored)
        return NULL;
    if (!encrypted) {
        *clear = pv_xstrdup(stored);
        return NULL;
    }
    if (pv_cursor_unseal(stored, salt, clear))
        return NULL;
    return pv_error_new(PV_EXIT_GENERIC, "Reading a table checkpoint",
                        "Run `privaci resume`: it truncates the table and loads it again.",
                        "The encrypted checkpoint cursor of %s does not decrypt with the run's "
                        "salt: the checkpoint row is corrupt.",
                        unit_id);
}

static char *unit_id(const pv_stream_unit *u)
{
    return pv_xasprintf("%s.%s", u->schema, u->table);
}

static void add_result(pv_stream_result *total, const pv_stream_result *r)
{
    total->rows += r->rows;
    total->batches += r->batches;
    total->duration_ms += r->duration_ms;
    total->text_mode = r->text_mode;
    total->stopped = r->stopped;
    total->retryable = r->retryable;
    total->source_side = r->source_side;
    total->snapshot_refused = r->snapshot_refused;
    memcpy(total->sqlstate, r->sqlstate, sizeof(total->sqlstate));
}

/* Sleeps `seconds` unless a stop is requested first; false when it was. */
static bool backoff(const pv_stream_ctx *ctx, double seconds)
{
    for (double slept = 0; slept < seconds; slept += SLEEP_SLICE_S) {
        if (ctx->should_stop && ctx->should_stop())
            return false;
        struct timespec ts = {0, (long)(SLEEP_SLICE_S * 1e9)};
        nanosleep(&ts, NULL);
    }
    return !(ctx->should_stop && ctx->should_stop());
}

/*
 * The durable cursor of a single-PK unit, read from its checkpoint row on a
 * fresh target connection. No row (the failed attempt never reached its
 * first checkpoint) keeps the cursor the unit started from. A row whose
 * cursor does not open sets *unreadable: a unit error, where any other
 * failure here is the target still being out of reach.
 */
static pv_error *reload_cursor(const pv_stream_ctx *ctx, const pv_stream_unit *u, char **cursor,
                               bool *unreadable)
{
    *unreadable = false;
    PGconn *conn = NULL;
    pv_checkpoint *rows = NULL;
    size_t n = 0;
    pv_error *err = pv_pg_connect(PV_PG_TARGET, ctx->target_url, &conn);
    if (!err)
        err = pv_state_checkpoints_load(conn, ctx->run_id, &rows, &n);
    PQfinish(conn);
    for (size_t i = 0; !err && i < n; i++) {
        if (strcmp(rows[i].schema_name, u->schema) != 0 || strcmp(rows[i].table_name, u->table))
            continue;
        char *id = unit_id(u), *clear = NULL;
        err = pv_cursor_open(rows[i].last_pk_value, u->cursor_encrypted, ctx->secrets->salt, id,
                             &clear);
        free(id);
        if (!err) {
            free(*cursor);
            *cursor = clear;
        }
        *unreadable = err != NULL;
        break;
    }
    pv_state_checkpoints_free(rows, n);
    return err;
}

static void warn_retry(const pv_stream_unit *u, const pv_stream_result *r, int attempt,
                       double delay)
{
    json_t *f = json_object();
    json_object_set_new(f, "message",
                        json_string(r->source_side ? "Source operation failed; retrying"
                                                   : "Target operation failed; retrying"));
    json_object_set_new(f, "schema_name", json_string(u->schema));
    json_object_set_new(f, "table_name", json_string(u->table));
    json_object_set_new(f, "attempt", json_integer(attempt));
    json_object_set_new(f, "delay_seconds", json_real(delay));
    json_object_set_new(f, "sqlstate", *r->sqlstate ? json_string(r->sqlstate) : json_null());
    pv_event(PV_LOG_WARNING, "log", f);
}

static void warn_snapshot_lost(const pv_stream_unit *u)
{
    char *id = unit_id(u);
    char *msg = pv_xasprintf("The run's snapshot could not be re-imported for %s; it continues "
                             "on a fresh snapshot.",
                             id);
    pv_human("Warning: %s", msg);
    json_t *f = json_object();
    json_object_set_new(f, "code", json_string("snapshot_lost"));
    json_object_set_new(f, "message", json_string(msg));
    json_object_set_new(f, "table_id", json_string(id));
    pv_event(PV_LOG_WARNING, "warning", f);
    free(msg);
    free(id);
}

static pv_error *exhausted_error(const pv_stream_unit *u, const pv_stream_result *last,
                                 const pv_stream_result *total)
{
    char *id = unit_id(u);
    char *context = pv_xasprintf("Streaming %s", id);
    pv_error *err =
        pv_error_new(PV_EXIT_GENERIC, context,
                     "Check connectivity to both databases, then run `privaci resume`.",
                     "Retries exhausted after %d attempts (%s, batch %lld, rows_processed %lld).",
                     PV_RETRY_ATTEMPTS, *last->sqlstate ? last->sqlstate : "I/O error",
                     (long long)total->batches + 1, (long long)total->rows);
    free(context);
    free(id);
    return err;
}

pv_error *pv_stream_with_retries(const pv_stream_ctx *ctx, const pv_stream_unit *unit,
                                 pv_stream_result *total, bool *exhausted)
{
    memset(total, 0, sizeof(*total));
    *exhausted = false;
    pv_stream_ctx c = *ctx;
    pv_stream_unit u = *unit;
    char *cursor = unit->cursor ? pv_xstrdup(unit->cursor) : NULL;
    pv_error *err = NULL;
    int attempt = 0; /* within the current incident */
    bool again = false;
    for (;;) {
        attempt++;
        pv_stream_result r = {0};
        bool unreadable = false;
        if (again && u.pk_column >= 0)
            err = reload_cursor(&c, &u, &cursor, &unreadable);
        if (err && unreadable) {
            /* Not the connection: the unit fails with this error, as a data error would. */
            total->retryable = false;
            total->source_side = false; /* the checkpoint row is on the target */
            total->sqlstate[0] = '\0';
            total->column[0] = '\0';
            break;
        }
        if (err) {
            /* The target is still out of reach: this attempt failed on its side. */
            r.retryable = true;
        } else {
            u.cursor = cursor;
            err = pv_stream_unit_run(&c, &u, &r);
            add_result(total, &r);
        }
        if (!err || !r.retryable)
            break;
        again = true;
        if (r.snapshot_refused && c.snapshot_id) {
            /* Not a new attempt: the same one again, on a snapshot of its own. */
            warn_snapshot_lost(&u);
            c.snapshot_id = NULL;
            pv_error_free(err);
            err = NULL;
            attempt--;
            continue;
        }
        /* An attempt that committed batches ended its incident: this failure starts another. */
        if (r.batches > 0)
            attempt = 1;
        if (attempt >= PV_RETRY_ATTEMPTS) {
            pv_error_free(err);
            err = exhausted_error(&u, &r, total);
            *exhausted = true;
            break;
        }
        double delay = PV_RETRY_BASE_DELAY_S * (double)(1 << (attempt - 1));
        warn_retry(&u, &r, attempt, delay);
        pv_error_free(err);
        err = NULL;
        if (!backoff(&c, delay)) {
            total->stopped = true;
            break;
        }
    }
    free(cursor);
    return err;
}
