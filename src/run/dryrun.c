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
    if (!is_mask_line(pc))
        return;
    pv_strbuf_appendf(sb, "      mask: %s -> %s", pc->column->name, pv_action_name(pc->action));
    bool has_provider = pc->action == PV_ACT_FAKE || pc->action == PV_ACT_PSEUDONYM;
    if (has_provider && pc->rule && pc->rule->action.provider)
        pv_strbuf_appendf(sb, "/%s", pc->rule->action.provider);
    pv_strbuf_appendf(sb, " (%s)\n", pv_plan_source_name(pc->source));
}

char *pv_dry_run_plan_text(const pv_catalog *cat, const pv_run_plan *plan)
{
    size_t to_mask = 0;
    for (size_t i = 0; i < plan->n_tables; i++)
        for (size_t c = 0; shows_findings(&plan->tables[i]) && c < plan->tables[i].n_columns; c++)
            to_mask += is_mask_line(&plan->tables[i].columns[c]);
    pv_strbuf sb = PV_STRBUF_INIT;
    pv_strbuf_appendf(&sb, "Pre-flight OK (%zu table(s) in source):\n", cat->n_tables);
    /* No auto-detect engine in this build: no medium findings to review. */
    pv_strbuf_appendf(&sb, "Auto-detect: %zu column(s) to mask, 0 uncertain for review\n", to_mask);
    for (size_t i = 0; i < plan->n_tables; i++) {
        const pv_plan_table *pt = &plan->tables[i];
        append_table_line(&sb, cat, pt);
        for (size_t c = 0; shows_findings(pt) && c < pt->n_columns; c++)
            append_column_line(&sb, &pt->columns[c]);
    }
    return pv_strbuf_take(&sb);
}

/* ------------------------------------------------------------ report */

static void append_section(pv_strbuf *sb, const char *title, const pv_strbuf *lines)
{
    pv_strbuf_appendf(sb, "### %s\n", title);
    pv_strbuf_append(sb, lines->len ? lines->data : "- _(none)_\n");
    pv_strbuf_append(sb, "\n");
}

/* "- `<column>`: <action>[, provider=<p>] (high)" for an explicit entry. */
static void append_explicit(pv_strbuf *lines, const pv_plan_column *pc)
{
    const pv_action *a = &pc->rule->action;
    pv_strbuf_appendf(lines, "- `%s`: %s", pc->column->name, pv_action_name(a->kind));
    if ((a->kind == PV_ACT_FAKE || a->kind == PV_ACT_PSEUDONYM) && a->provider)
        pv_strbuf_appendf(lines, ", provider=%s", a->provider);
    pv_strbuf_append(lines, " (high)\n");
}

static void append_table_report(pv_strbuf *sb, const pv_plan_table *pt)
{
    pv_strbuf explicit_lines = PV_STRBUF_INIT, passthrough_lines = PV_STRBUF_INIT;
    for (size_t c = 0; c < pt->n_columns; c++) {
        const pv_plan_column *pc = &pt->columns[c];
        if (pc->rule)
            append_explicit(&explicit_lines, pc);
        else
            pv_strbuf_appendf(&passthrough_lines, "- `%s`: passthrough (low)\n", pc->column->name);
    }
    pv_strbuf_appendf(sb, "## %s\n\n", pt->table->id);
    pv_strbuf none = PV_STRBUF_INIT;
    append_section(sb, "Masked (auto-detect)", &none);
    append_section(sb, "Explicit config", &explicit_lines);
    append_section(sb, "Uncertain (manual review)", &none);
    append_section(sb, "Passthrough", &passthrough_lines);
    pv_strbuf_free(&explicit_lines);
    pv_strbuf_free(&passthrough_lines);
}

char *pv_detection_report_text(const pv_catalog *cat, const pv_run_plan *plan, bool auto_detect,
                               bool strict)
{
    pv_strbuf sb = PV_STRBUF_INIT;
    pv_strbuf_append(&sb, "# PrivaCI auto-detect report\n\n");
    pv_strbuf_appendf(&sb, "Tables inspected: %zu\n", cat->n_tables);
    pv_strbuf_appendf(&sb, "Auto-detect: %s\n", auto_detect ? "on" : "off");
    pv_strbuf_appendf(&sb, "Strict mode: %s\n\n", strict ? "on" : "off");
    /* Findings exist for every column of every scanned config table (autodetect.md §1). */
    for (size_t i = 0; i < plan->n_tables; i++)
        if (shows_findings(&plan->tables[i]) && plan->tables[i].n_columns > 0)
            append_table_report(&sb, &plan->tables[i]);
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
        if (in.cfg->auto_detect)
            pv_human("Warning: auto-detect is not available in this build; only columns "
                     "configured in mask-rules.yaml are masked.");
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
        err = pv_preflight_strict_check(strict);
    if (!err && pv_signals_interrupted())
        err = pv_signals_error();
    if (!err)
        pv_human("Dry run complete; no writes performed.");
    pv_preflight_free(pf);
    pv_run_inputs_free(&in);
    return err;
}
