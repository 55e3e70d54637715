/*
 * dryrun.h — `privaci dry-run` (cli.md §3.2): pre-flight, the per-table
 * plan on stderr, the optional markdown detection report
 * (autodetect.md §7), never a write to the target.
 */
#ifndef PRIVACI_RUN_DRYRUN_H
#define PRIVACI_RUN_DRYRUN_H

#include "run/plan.h"

typedef struct pv_dry_run_opts {
    const char *config_path;
    const char *source_flag; /* --source, or NULL for SOURCE_DB_URL */
    const char *target_flag; /* --target, or NULL for TARGET_DB_URL */
    const char *report_dest; /* --report, or NULL */
    int strict_override;     /* -1 from config, 0 --no-strict-autodetect, 1 --strict-autodetect */
} pv_dry_run_opts;

/*
 * The whole command below the CLI: config, secrets, pre-flight, plan,
 * report, deferred strict check. Returns NULL on success (exit 0) or the
 * error for the CLI boundary (exit 1, 2, 3, 4 or 130).
 */
pv_error *pv_dry_run(const pv_dry_run_opts *opts);

/*
 * The plan block of cli.md §3.2, from "Pre-flight OK" to the last column
 * line, each line ending in "\n": `keep:` for explicit passthrough, `mask:`
 * for every column with an action (config, autodetect, null_orphan_fks),
 * `review:` for medium auto-detect findings. Caller frees.
 */
char *pv_dry_run_plan_text(const pv_catalog *cat, const pv_run_plan *plan);

/*
 * The markdown report of autodetect.md §7 from the plan's findings (tables
 * that are not excluded, by id). Caller frees.
 */
char *pv_detection_report_text(const pv_catalog *cat, const pv_run_plan *plan, bool auto_detect,
                               bool strict);

/*
 * Artifact destinations (verify-and-report.md §6). pv_artifact_check
 * rejects, before any work, a destination that can never be written;
 * pv_artifact_write writes `content` (creating parent directories,
 * overwriting). `artifact` names it in errors ("the detection report").
 */
pv_error *pv_artifact_check(const char *dest);
pv_error *pv_artifact_write(const char *dest, const char *content, const char *artifact);

#endif
