/*
 * resume_gate.h — the resume gate of state.md §5.2, run inside the resume's
 * pre-flight (check `resume_gate`) after the run lock and the source
 * introspection. Read-only: a failed gate never touches the run row.
 */
#ifndef PRIVACI_RUN_RESUME_GATE_H
#define PRIVACI_RUN_RESUME_GATE_H

#include "catalog/catalog.h"
#include "state/state.h"

#include <jansson.h>
#include <libpq-fe.h>

/* The run a resume continues. */
typedef struct pv_resume_run {
    char run_id[PV_UUID_TEXT_LEN];
    char status[16]; /* in_progress, interrupted or failed */
    json_t *plan;    /* the stored per-column plan (state.md §2.2), or NULL */
} pv_resume_run;

/*
 * Selects the newest resumable run (status in_progress, interrupted or
 * failed) whose config_hash, source_db_hash and salt_fingerprint equal
 * `id`'s, then compares its source_schema_snapshot with `cat` (estimated
 * rows and warnings ignored). Every failure is exit 2, Context "Validating
 * resume prerequisites", with the Cause and Remediation of §5.2 — no run
 * at all, the first mismatch of the newest resumable run (config, source,
 * salt), or schema drift; drift also names what drifted on stderr
 * ("Schema drift: …", identifiers only). *out is owned by the caller
 * (pv_resume_run_free).
 */
pv_error *pv_resume_gate(PGconn *target, const pv_run_identity *id, const pv_catalog *cat,
                         pv_resume_run **out);

void pv_resume_run_free(pv_resume_run *run);

/*
 * The stored plan's action name for a column ("passthrough", …) or NULL
 * when the plan does not list it. `table_id` is the config table (the
 * partitioned parent for a child).
 */
const char *pv_resume_plan_action(const pv_resume_run *run, const char *table_id,
                                  const char *column);

#endif
