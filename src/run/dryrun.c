/*
 * dryrun.c — `privaci dry-run` (cli.md §3.2). Steps 1–6 of the run
 * lifecycle (overview.md §4): config, secrets, pre-flight in dry-run mode
 * (no run lock, a non-empty target only warns), then the plan on stderr,
 * the detection report, and the strict check deferred behind the report.
 * The target is connected and read, never written.
 */
#include "run/dryrun.h"

#include "obs/log.h"
#include "run/inputs.h"
#include "run/preflight.h"
#include "run/signals.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ plan text */

static bool shows_findings(const pv_plan_table *pt)
{
    /* Excluded tables are not scanned (autodetect.md §1): no findings, no column lines. */
    return pt->strategy != PV_STRATEGY_EXCLUDE;
}

static bool is_mask_line(const pv_plan_column *pc)
{
    return pc->source != PV_SOURCE_DEFAULT && pc->action != PV_ACT_PASSTHROUGH;
}

/* A medium finding left to passthrough: "uncertain — manual review" (autodetect.md §2). */
static bool is_review_line(const pv_plan_column *pc)
{
    return pc->source == PV_SOURCE_DEFAULT && pc->finding &&
           pc->finding->confidence == PV_CONFIDENCE_MEDIUM;
}

static void append_rows(pv_strbuf *sb, double rows)
{
    if (rows > 0)
        pv_strbuf_appendf(sb, "~%.0f rows", rows);
    else
        pv_strbuf_append(sb, "~unknown rows");
}

/* "  <id>: strategy=<s> (…)" — the partitioned form for parents (cli.md §3.2 deviation). */
static void append_table_line(pv_strbuf *sb, const pv_catalog *cat, const pv_plan_table *pt)
{
    const pv_table *t = pt->table;
    pv_strbuf_appendf(sb, "  %s: strategy=%s (", t->id, pv_strategy_name(pt->strategy));
    if (t->is_partitioned) {
        double sum = 0;
        for (size_t i = 0; i < t->partition_children.n; i++) {
            const pv_table *child = pv_catalog_find(cat, t->partition_children.items[i]);
            if (child && child->estimated_rows > 0)
                sum += child->estimated_rows;
        }
        pv_strbuf_appendf(sb, "partitioned, %zu partition(s), ", t->partition_children.n);
        append_rows(sb, sum);
    } else {
        append_rows(sb, t->estimated_rows);
    }
    if (pt->strategy == PV_STRATEGY_TRANSFORM && pt->batch_rows > 0)
        pv_strbuf_appendf(sb, ", batch %lld", (long long)pt->batch_rows);
    pv_strbuf_append(sb, ")\n");
}

static void append_column_line(pv_strbuf *sb, const pv_plan_column *pc)
{
    if (pc->source == PV_SOURCE_CONFIG && pc->action == PV_ACT_PASSTHROUGH) {
        pv_strbuf_appendf(sb, "      keep: %s (config)\n", pc->column->name);
        return;
    }
    if (is_review_line(pc)) {
        const char *rule = pc->finding->matched_pattern;
        pv_strbuf_appendf(sb, "      review: %s (uncertain, matched %s)\n", pc->column->name,
                          rule ? rule : "heuristic");
        return;
    }
    if (!is_mask_line(pc))
        return;
    pv_strbuf_appendf(sb, "      mask: %s -> %s", pc->column->name, pv_action_name(pc->action));
    const pv_action *a = pv_plan_column_action(pc);
    bool has_provider = pc->action == PV_ACT_FAKE || pc->action == PV_ACT_PSEUDONYM;
    if (has_provider && a && a->provider)
        pv_strbuf_appendf(sb, "/%s", a->provider);
    pv_strbuf_appendf(sb, " (%s)\n", pv_plan_source_name(pc->source));
}

char *pv_dry_run_plan_text(const pv_catalog *cat, const pv_run_plan *plan)
{
    size_t to_mask = 0, uncertain = 0;
    for (size_t i = 0; i < plan->n_tables; i++)
        for (size_t c = 0; shows_findings(&plan->tables[i]) && c < plan->tables[i].n_columns; c++) {
            to_mask += is_mask_line(&plan->tables[i].columns[c]);
            uncertain += is_review_line(&plan->tables[i].columns[c]);
        }
    pv_strbuf sb = PV_STRBUF_INIT;
    pv_strbuf_appendf(&sb, "Pre-flight OK (%zu table(s) in source):\n", cat->n_tables);
    pv_strbuf_appendf(&sb, "Auto-detect: %zu column(s) to mask, %zu uncertain for review\n",
                      to_mask, uncertain);
    for (size_t i = 0; i < plan->n_tables; i++) {
        const pv_plan_table *pt = &plan->tables[i];
        append_table_line(&sb, cat, pt);
        for (size_t c = 0; shows_findings(pt) && c < pt->n_columns; c++)
            append_column_line(&sb, &pt->columns[c]);
    }
    return pv_strbuf_take(&sb);
}

/* ------------------------------------------------------------ report */

char *pv_detection_report_text(const pv_catalog *cat, const pv_run_plan *plan, bool auto_detect,
                               bool strict)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    pv_detect_report_head(&sb, cat->n_tables, auto_detect, strict);
    /* Findings exist for every column of every scanned config table (autodetect.md §1). */
    for (size_t i = 0; i < plan->n_tables; i++) {
        const pv_plan_table *pt = &plan->tables[i];
        if (shows_findings(pt) && pt->findings)
            pv_detect_report_table(&sb, pt->table->id, pt->findings, pt->n_columns);
    }
    return pv_strbuf_take(&sb);
}

/* ------------------------------------------------------------ command */

/* Runs right after the config loads: a destination that can never be written fails first. */
static pv_error *check_report_dest(void *ud)
{
    const char *dest = ud;
    return dest ? pv_artifact_check(dest) : NULL;
}

static void print_lines(const char *text)
{
    /* pv_human adds the newline and scrubs secrets; the text is identifiers and counts. */
    const char *line = text;
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        pv_human("%.*s", (int)len, line);
        line += len + (nl ? 1 : 0);
    }
}

static pv_error *write_report(const pv_dry_run_opts *opts, const pv_run_inputs *in,
                              const pv_preflight *pf, bool strict)
{
    char *report = pv_detection_report_text(pf->catalog, pf->plan, in->cfg->auto_detect, strict);
    pv_error *err = pv_artifact_write(opts->report_dest, report, "the detection report");
    free(report);
    if (!err)
        pv_human("Wrote detection report to %s", opts->report_dest);
    return err;
}

pv_error *pv_dry_run(const pv_dry_run_opts *opts)
{
    pv_signals_install();
    pv_run_inputs in;
    pv_preflight *pf = NULL;
    pv_error *err = pv_run_inputs_load(opts->config_path, opts->source_flag, opts->target_flag,
                                       check_report_dest, (void *)opts->report_dest, &in);
    bool strict = false;
    if (!err) {
        strict = opts->strict_override >= 0 ? opts->strict_override : in.cfg->strict_autodetect;
        pv_preflight_opts pre = {.mode = PV_PREFLIGHT_DRY_RUN,
                                 .cfg = in.cfg,
                                 .source_url = in.source,
                                 .target_url = in.target,
                                 .strict_autodetect = strict,
                                 .defer_strict = opts->report_dest != NULL};
        err = pv_preflight_run(&pre, &pf);
    }
    if (!err) {
        char *plan = pv_dry_run_plan_text(pf->catalog, pf->plan);
        print_lines(plan);
        free(plan);
        if (opts->report_dest)
            err = write_report(opts, &in, pf, strict);
    }
    /* cli.md §3.2: the report is written first, then the strict check may fail. */
    if (!err && opts->report_dest)
        err = pv_preflight_strict_check(pf->plan, strict);
    if (!err && pv_signals_interrupted())
        err = pv_signals_error();
    if (!err)
        pv_human("Dry run complete; no writes performed.");
    pv_preflight_free(pf);
    pv_run_inputs_free(&in);
    return err;
}
