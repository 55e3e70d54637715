/*
 * detect.h — the zero-config PII column scanner (spec/autodetect.md).
 *
 * Three parts:
 *   - the pattern library (patterns.c): data, loaded from
 *     <data dir>/autodetect/patterns.yaml plus any pack files next to it
 *     (file-name order), first match wins (§3);
 *   - classification (scan.c): one finding per column of a config table from
 *     its name, declared type, uniqueness, pg_stats.avg_width and the table
 *     name — never a cell value (§1, §2, §4, §5);
 *   - the views on findings: the audit payload (§8) and the markdown report
 *     sections (§7, report.c).
 *
 * Ownership: a pv_patterns owns its rules; findings own their strings and
 * borrow the catalog column/table and the config rule they describe, which
 * must outlive them.
 */
#ifndef PRIVACI_DETECT_DETECT_H
#define PRIVACI_DETECT_DETECT_H

#include "catalog/catalog.h"
#include "config/config.h"
#include "util/strbuf.h"
#include "util/strlist.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* ------------------------------------------------------------ patterns */

typedef enum {
    PV_MATCH_SUBSTRING,       /* contains */
    PV_MATCH_BOUNDED,         /* equals, or `_token_` inside `_<name>_` */
    PV_MATCH_SUFFIX,          /* ends with */
    PV_MATCH_PREFIX,          /* starts with */
    PV_MATCH_WILDCARD_PREFIX, /* starts with (the original's `note*`) */
    PV_MATCH_REGEX,           /* full match, case-insensitive */
} pv_match_kind;

typedef struct pv_pattern {
    char *id;
    pv_match_kind kind;
    char *pattern;         /* lower-cased for every kind but regex */
    void *regex;           /* compiled pcre2_code for PV_MATCH_REGEX, else NULL */
    pv_action_kind action; /* PV_ACT_FAKE, PV_ACT_STATIC, PV_ACT_HASH or PV_ACT_NER_MASK */
    char *provider;        /* fake: the provider; static: optional; else NULL */
    char *static_value;    /* static: the value; else NULL */
} pv_pattern;

typedef struct pv_patterns {
    pv_pattern *items; /* in load order */
    size_t n;
} pv_patterns;

/*
 * The data directory: $PRIVACI_DATA_DIR, else the installed PRIVACI_DATADIR
 * when it holds autodetect/, else the source tree's data/ (uninstalled
 * builds). Lives for the process.
 */
const char *pv_detect_data_dir(void);

/*
 * Loads `<dir>/patterns.yaml`, then every other *.yaml / *.yml / *.json file
 * of `dir` in file-name order. Errors (exit 2, Context "Loading the
 * auto-detect patterns"): a missing built-in file, a malformed file or
 * entry, a duplicate rule id, an unknown fake provider.
 */
pv_error *pv_patterns_load_dir(const char *dir, pv_patterns **out);
/* Appends the rules of one file (tests; packs go through the directory). */
pv_error *pv_patterns_load_file(pv_patterns *patterns, const char *path);
void pv_patterns_free(pv_patterns *patterns);

/* The process-wide library of <data dir>/autodetect, loaded once (thread-safe). */
pv_error *pv_patterns_default(const pv_patterns **out);

/* The first rule matching `column_name` (lower-cased here), or NULL. */
const pv_pattern *pv_patterns_match(const pv_patterns *patterns, const char *column_name);

/* "substring", "bounded", … */
const char *pv_match_kind_name(pv_match_kind kind);

/* ------------------------------------------------------------ findings */

typedef enum {
    PV_CONFIDENCE_LOW,
    PV_CONFIDENCE_MEDIUM,
    PV_CONFIDENCE_HIGH,
} pv_confidence;

typedef enum {
    PV_FINDING_CONFIG,       /* an explicit columns.<c> entry */
    PV_FINDING_FK_INHERITED, /* masking.md §7.3 (set by the FK-group resolution) */
    PV_FINDING_AUTODETECT,
} pv_finding_source;

const char *pv_confidence_name(pv_confidence c); /* "high", "medium", "low" */
const char *
pv_finding_source_name(pv_finding_source s); /* "config", "fk_inherited", "autodetect" */

typedef struct pv_finding {
    const pv_table *table;   /* the config table (a partitioned parent for its children) */
    const pv_column *column; /* borrowed from the catalog */
    pv_finding_source source;
    pv_confidence confidence;
    pv_strlist reasons;    /* value-free texts, in the order of autodetect.md §2/§5 */
    char *matched_pattern; /* rule id, or NULL */
    /* config source: the explicit entry (borrowed from the config) */
    const pv_column_rule *rule;
    /* autodetect source: the proposed action (owned), valid when `proposes` */
    bool proposes;
    pv_action proposed;
} pv_finding;

/* The finding's action (the explicit one, the proposal), or NULL for none. */
const pv_action *pv_finding_action(const pv_finding *f);
/* The provider of a fake/pseudonym action, else NULL. */
const char *pv_finding_provider(const pv_finding *f);

/*
 * Uncovered for strict mode (autodetect.md §6): high or medium, a matched
 * pattern, source autodetect (an explicit entry or an FK-inherited action
 * covers the column). The caller skips excluded tables (never scanned).
 */
bool pv_finding_uncovered(const pv_finding *f);

/* What the scanner knows about one column besides its catalog entry. */
typedef struct pv_detect_column {
    const pv_table *table;   /* the config table */
    const pv_column *column; /* name, declared type */
    int avg_width;           /* pg_stats.avg_width, -1 when absent */
    bool unique;             /* PK, UNIQUE constraint or unique index (masking.md §9) */
} pv_detect_column;

/*
 * Classifies one column without an explicit entry. `patterns` NULL (or
 * empty) matches nothing. With auto_detect false: low, "auto-detect
 * disabled". *out is overwritten; release with pv_finding_clear.
 */
void pv_detect_classify(const pv_patterns *patterns, bool auto_detect, const pv_detect_column *col,
                        pv_finding *out);

/*
 * The shortest output of fake/pseudonym provider `provider`, in characters,
 * after the masking.md §9.1 suffix rules when `unique`: fixed shapes
 * exactly (ssn 11, phone 12, …), a library value as one character — a
 * conservative bound, so the §4.3 length rule never rejects a provider
 * that could fit. Shared by the auto-detect gate and the pre-flight check.
 */
int pv_detect_shortest_fake(const char *provider, bool unique);

/* The finding of an explicit entry: high, "explicit config", source config. */
void pv_detect_explicit(const pv_table *table, const pv_column *column, const pv_column_rule *rule,
                        pv_finding *out);

/*
 * pg_stats.avg_width of `c` (a column of config table `t`); for a
 * partitioned parent without statistics of its own (autovacuum never
 * analyzes parents) the mean of its children's, weighted by their row
 * estimates (each at least 1), rounded; -1 when nothing is known.
 */
int pv_detect_avg_width(const pv_catalog *cat, const pv_table *t, const pv_column *c);

void pv_finding_clear(pv_finding *f);

/*
 * The `column.pii_detected` audit payload (state.md §6, autodetect.md §8):
 * {confidence, matched_pattern, provider, action, source, reasons}, nulls
 * for absent fields. Caller decrefs.
 */
json_t *pv_finding_audit_payload(const pv_finding *f);

/* ------------------------------------------------------------ report */

/* The report head of autodetect.md §7 up to the blank line before the first table. */
void pv_detect_report_head(pv_strbuf *sb, size_t tables_inspected, bool auto_detect, bool strict);

/* One "## <table id>" section with its sub-sections (nothing when n == 0). */
void pv_detect_report_table(pv_strbuf *sb, const char *table_id, const pv_finding *findings,
                            size_t n);

#endif
