/*
 * yaml.h — a small positioned YAML tree for the config loader (private to
 * src/config).
 *
 * Built from libfyaml's event parser rather than its document tree because
 * the loader needs the source position of every node (mappings and
 * sequences included), its own duplicate-key report and a bound on alias
 * expansion. Aliases are shared, not copied: the tree is a DAG whose nodes
 * are all owned by the pv_yaml_doc. Merge keys (`<<`) are applied with
 * YAML 1.1 semantics, so a mapping's `pairs` are its effective pairs.
 */
#ifndef PRIVACI_CONFIG_YAML_H
#define PRIVACI_CONFIG_YAML_H

#include "config/config.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    PV_YAML_SCALAR,
    PV_YAML_SEQUENCE,
    PV_YAML_MAPPING,
} pv_yaml_kind;

typedef struct pv_yaml_node pv_yaml_node;

typedef struct pv_yaml_pair {
    pv_yaml_node *key;
    pv_yaml_node *value;
} pv_yaml_pair;

struct pv_yaml_node {
    pv_yaml_kind kind;
    pv_pos pos; /* 1-based start of the node */

    /* scalar: the processed text (escapes applied), NUL-terminated */
    char *text;
    size_t len;
    bool plain; /* plain style without an explicit !!str tag */
    bool null;  /* YAML null: plain ``/`~`/`null`/`Null`/`NULL`, or !!null */

    /* sequence */
    pv_yaml_node **items;
    size_t n_items;

    /* mapping: effective pairs, in first-occurrence order */
    pv_yaml_pair *pairs;
    size_t n_pairs;

    /* builder state */
    bool complete;
    size_t weight; /* node count with aliases expanded (saturating) */
};

typedef struct pv_yaml_doc pv_yaml_doc;

typedef enum {
    PV_YAML_OK,
    PV_YAML_SYNTAX,    /* not YAML, several documents, bad alias or merge */
    PV_YAML_DUPLICATE, /* a key repeated in one mapping */
    PV_YAML_EMPTY,     /* no document, or an empty one */
} pv_yaml_status;

typedef struct pv_yaml_problem {
    pv_pos pos;    /* line 0 when unknown */
    char *dup_key; /* PV_YAML_DUPLICATE: the key text; caller frees */
} pv_yaml_problem;

/*
 * Parses exactly one document from `buf` (any bytes; invalid UTF-8 is a
 * syntax error). On PV_YAML_OK *out holds the document; otherwise *out is
 * NULL and `problem` says where. Never prints.
 */
pv_yaml_status pv_yaml_parse(const char *buf, size_t len, pv_yaml_doc **out,
                             pv_yaml_problem *problem);
const pv_yaml_node *pv_yaml_root(const pv_yaml_doc *doc);
void pv_yaml_free(pv_yaml_doc *doc);

/* The value of `key` in a mapping (effective pairs), or NULL. */
const pv_yaml_pair *pv_yaml_lookup(const pv_yaml_node *map, const char *key);

/* True when a scalar's text is a usable C string (no NUL, valid UTF-8). */
bool pv_yaml_text_ok(const pv_yaml_node *n);

#endif
