/*
 * validate.h — the schema stage of config.md §9.1 (stage 6), private to
 * src/config.
 *
 * Validation and typing are one walk: each field is checked against its
 * declared type and, when valid, stored in the pv_config. Every violation
 * is appended to the context as one "  - <path>: <message> (line L,
 * column C)" line, so the caller can report them all in one block.
 */
#ifndef PRIVACI_CONFIG_VALIDATE_H
#define PRIVACI_CONFIG_VALIDATE_H

#include "config/config.h"
#include "config/yaml.h"
#include "util/strbuf.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct pv_schema_ctx {
    pv_strbuf lines; /* the collected error lines, '\n'-separated */
    size_t n_errors;
} pv_schema_ctx;

/* Standard message texts (config.md §9.1). */
#define PV_MSG_EXTRA      "Extra inputs are not permitted"
#define PV_MSG_REQUIRED   "Field required"
#define PV_MSG_STRING     "Input should be a valid string"
#define PV_MSG_INTEGER    "Input should be a valid integer"
#define PV_MSG_BOOLEAN    "Input should be a valid boolean"
#define PV_MSG_LIST       "Input should be a valid list"
#define PV_MSG_DICT       "Input should be a valid dictionary"
#define PV_MSG_TABLE_KEY  "table keys must be \"schema.table\""
#define PV_MSG_BATCH_SIZE "Value error, batch_size must be >= 1"

/* Records one violation at `path` ("<root>" for the document itself). */
void pv_schema_error(pv_schema_ctx *ctx, const char *path, pv_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "<parent>.<key>", or `key` alone at the top level. Caller frees. */
char *pv_schema_path(const char *parent, const char *key);

/*
 * The text of a mapping key usable as a name (a scalar holding a valid
 * string), or NULL after recording an error at `parent`.
 */
const char *pv_schema_key(pv_schema_ctx *ctx, const pv_yaml_node *key, const char *parent);

/*
 * Typed readers. Each returns true and stores the value, or records the
 * standard error for `path` at the node and returns false.
 */
bool pv_schema_string(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path, bool nullable,
                      char **out);
bool pv_schema_int(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path, int64_t *out);
bool pv_schema_bool(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path, bool *out);
/* `values` is NULL-terminated; *out is the index of the match. */
bool pv_schema_enum(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path,
                    const char *const *values, int *out);
bool pv_schema_strlist(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path,
                       pv_strlist *out);
bool pv_schema_strmap(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path, pv_kv **out,
                      size_t *n_out);
/* Records PV_MSG_DICT unless `n` is a mapping. */
bool pv_schema_mapping(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path);

/* `schema.table`: a rightmost dot with text on both sides. */
bool pv_schema_table_id_ok(const char *id);

/* The root mapping (stage 6), filling `cfg`; version is checked earlier. */
void pv_schema_root(pv_schema_ctx *ctx, const pv_yaml_node *root, pv_config *cfg);

/*
 * One column action (`column` set) or json_mask rule (`column` NULL: the
 * `path` key is the caller's, `remove` is allowed, json_mask/ai_refine
 * are not). Fills `out`, which the caller zeroed.
 */
void pv_schema_action(pv_schema_ctx *ctx, const pv_yaml_node *n, const char *path,
                      const char *column, pv_action *out);

/* Releases what an action owns (not the struct itself). */
void pv_action_clear(pv_action *a);
void pv_strlist_clear(pv_strlist *l);

#endif
