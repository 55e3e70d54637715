/*
 * report.c — the `dry-run --report` markdown (autodetect.md §7): a head,
 * then per table the sub-sections Masked (auto-detect), Explicit config,
 * Inherited (foreign key) when there are such findings, Uncertain (manual
 * review) and Passthrough, each followed by one blank line; an empty one
 * reads `- _(none)_`. Column and table names, actions, providers, rule ids
 * and confidences only.
 */
#include "detect/detect.h"

typedef enum {
    SECTION_MASKED,
    SECTION_EXPLICIT,
    SECTION_INHERITED,
    SECTION_UNCERTAIN,
    SECTION_PASSTHROUGH,
    SECTION_COUNT,
} section;

static const char *const TITLES[SECTION_COUNT] = {
    [SECTION_MASKED] = "Masked (auto-detect)",
    [SECTION_EXPLICIT] = "Explicit config",
    [SECTION_INHERITED] = "Inherited (foreign key)",
    [SECTION_UNCERTAIN] = "Uncertain (manual review)",
    [SECTION_PASSTHROUGH] = "Passthrough",
};

/* Membership of §7: each finding lands in exactly one sub-section. */
static section section_of(const pv_finding *f)
{
    if (f->source == PV_FINDING_CONFIG)
        return SECTION_EXPLICIT;
    if (f->source == PV_FINDING_FK_INHERITED)
        return SECTION_INHERITED;
    if (pv_finding_action(f))
        return SECTION_MASKED;
    return f->confidence == PV_CONFIDENCE_MEDIUM ? SECTION_UNCERTAIN : SECTION_PASSTHROUGH;
}

/* "- `<column>`: <action>[, provider=<p>][, pattern=<rule>] (<confidence>)" */
static void append_line(pv_strbuf *sb, const pv_finding *f)
{
    const pv_action *a = pv_finding_action(f);
    pv_strbuf_appendf(sb, "- `%s`: %s", f->column->name,
                      a ? pv_action_name(a->kind) : "passthrough");
    const char *provider = pv_finding_provider(f);
    if (provider)
        pv_strbuf_appendf(sb, ", provider=%s", provider);
    if (f->matched_pattern)
        pv_strbuf_appendf(sb, ", pattern=%s", f->matched_pattern);
    pv_strbuf_appendf(sb, " (%s)\n", pv_confidence_name(f->confidence));
}

void pv_detect_report_head(pv_strbuf *sb, size_t tables_inspected, bool auto_detect, bool strict)
{
    pv_strbuf_append(sb, "# PrivaCI auto-detect report\n\n");
    pv_strbuf_appendf(sb, "Tables inspected: %zu\n", tables_inspected);
    pv_strbuf_appendf(sb, "Auto-detect: %s\n", auto_detect ? "on" : "off");
    pv_strbuf_appendf(sb, "Strict mode: %s\n\n", strict ? "on" : "off");
}

void pv_detect_report_table(pv_strbuf *sb, const char *table_id, const pv_finding *findings,
                            size_t n)
{
    if (n == 0)
        return;
    pv_strbuf lines[SECTION_COUNT] = {PV_STRBUF_INIT, PV_STRBUF_INIT, PV_STRBUF_INIT,
                                      PV_STRBUF_INIT, PV_STRBUF_INIT};
    for (size_t i = 0; i < n; i++)
        append_line(&lines[section_of(&findings[i])], &findings[i]);
    pv_strbuf_appendf(sb, "## %s\n\n", table_id);
    for (int s = 0; s < SECTION_COUNT; s++) {
        if (s == SECTION_INHERITED && lines[s].len == 0)
            continue; /* ours: only when the table has fk_inherited findings */
        pv_strbuf_appendf(sb, "### %s\n", TITLES[s]);
        pv_strbuf_append(sb, lines[s].len ? lines[s].data : "- _(none)_\n");
        pv_strbuf_append(sb, "\n");
        pv_strbuf_free(&lines[s]);
    }
}
