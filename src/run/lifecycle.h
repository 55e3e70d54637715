/*
 * lifecycle.h — private to src/run: the steps `run` (run.c) and `resume`
 * (resume.c) share (overview.md §4). The coordinator state, the streaming
 * units on `--jobs` workers with their retries, finalized tables, the
 * post-data tail, the run row's end and the final report live here once;
 * each command only orders them.
 *
 * A command is a table of steps run in order. Between two steps the
 * lifecycle looks at the signal flag, so a SIGINT/SIGTERM during pg_dump,
 * pre-data or post-data DDL stops at the next step boundary
 * (streaming.md §11) instead of starting the next phase.
 */
#ifndef PRIVACI_RUN_LIFECYCLE_H
#define PRIVACI_RUN_LIFECYCLE_H

#include "run/inputs.h"
#include "run/preflight.h"
#include "run/run.h"
#include "schema/schema.h"
#include "state/state.h"
#include "stream/stream.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* One streaming unit with the storage its pv_stream_unit borrows. */
typedef struct pv_unit {
    const pv_table *table;     /* the physical table (a child for partitions) */
    const pv_table *governing; /* the config table: the parent for a partition child */
    pv_stream_unit stream;
    pv_stream_column *columns;
    pv_mask_spec *masks;     /* parallel to columns; kind passthrough when not masked */
    char **mask_paths;       /* the masks' column paths (owned) */
    pv_stream_result result; /* summed over the unit's retries */
    pv_error *error;
    bool skip;    /* resume: the checkpoint says done */
    char *cursor; /* resume: clear-text cursor to continue after (owned), or NULL */
} pv_unit;

typedef struct pv_lifecycle {
    const pv_run_opts *opts;
    pv_run_inputs in;
    pv_preflight *pf;
    pv_schema_plan *schema;
    pv_audit_log audit;
    char run_id[PV_UUID_TEXT_LEN];
    bool row_exists;
    double started;
    pv_unit *units;
    size_t n_units;
    size_t next_unit; /* guarded by lock */
    pthread_mutex_t lock;
    pv_stream_ctx stream_ctx;
    pv_mask_secrets secrets;
    int64_t rows;
    int tables_done;
    bool interrupted;        /* a signal stopped the lifecycle before its last step */
    pv_schema_report report; /* of the pre-data phase */
    /* resume: the run's checkpoint rows (NULL on a fresh run) */
    bool resuming;
    pv_checkpoint *checkpoints;
    size_t n_checkpoints;
} pv_lifecycle;

typedef pv_error *(*pv_lc_step)(pv_lifecycle *lc, size_t *failed);

void pv_lc_init(pv_lifecycle *lc, const pv_run_opts *opts);
void pv_lc_free(pv_lifecycle *lc);

/* Inputs (config, URLs, salt) and the pre-flight in `mode`. */
pv_error *pv_lc_preflight(pv_lifecycle *lc, pv_preflight_mode mode);

/* After the run row was inserted or re-opened: timers, log run id, audit log. */
void pv_lc_row_ready(pv_lifecycle *lc);

/* The pv_audit_fn of the schema module, writing through the coordinator. */
pv_error *pv_lc_audit(void *ud, const char *event_type, const char *schema_name,
                      const char *table_name, const json_t *payload);

pv_error *pv_lc_phase(pv_lifecycle *lc, const char *name);

/*
 * Empties a target table (TRUNCATE ONLY for a plain table or a child, a
 * whole partitioned parent otherwise) on the coordinator's connection.
 * Resume uses it for a table that must start from scratch: whatever it
 * holds was not committed by this run (streaming.md §6.1: a committed batch
 * always leaves a cursor), e.g. an earlier run's rows when this one was
 * killed before its on_existing_data truncate committed.
 */
pv_error *pv_lc_truncate(pv_lifecycle *lc, const pv_table *t);

/* The checkpoint row of a table on resume, or NULL. */
const pv_checkpoint *pv_lc_checkpoint(const pv_lifecycle *lc, const char *schema,
                                      const char *table);

/*
 * Steps shared by run and resume (pv_lc_step shape; *failed counts failed
 * units): the dump, the pre-data phase, finalized tables, streaming, and
 * post-data with sequences.
 */
pv_error *pv_lc_dump(pv_lifecycle *lc, size_t *failed);
pv_error *pv_lc_pre_data(pv_lifecycle *lc, size_t *failed);
pv_error *pv_lc_finalize_unstreamed(pv_lifecycle *lc, size_t *failed);
pv_error *pv_lc_stream(pv_lifecycle *lc, size_t *failed);
pv_error *pv_lc_post_data(pv_lifecycle *lc, size_t *failed);

/* The streamed units in load-plan order (lc->units). */
void pv_lc_build_units(pv_lifecycle *lc);

/*
 * Runs `steps` in order and stops at the first error, at the first step
 * that leaves failed units (post-data needs every table loaded), or at a
 * step boundary after a signal.
 */
pv_error *pv_lc_execute(pv_lifecycle *lc, const pv_lc_step *steps, size_t n, size_t *failed);

/*
 * The end of every attempt that got as far as the run row: reports and
 * records the outcome (error, failed units, interrupted, success) and
 * returns the exit code. `verb` words the success line: "succeeded" for
 * run, "resumed" for resume (cli.md §3.1, §3.3). Consumes `err`.
 */
int pv_lc_conclude(pv_lifecycle *lc, pv_error *err, size_t failed, const char *verb);

#endif
