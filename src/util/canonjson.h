/*
 * canonjson.h — deterministic JSON text for jansson values.
 *
 * pv_canonjson_dump is the canonical form of spec/config.md §11, the input of
 * config_hash: keys sorted by code point at every level, "," and ":" with no
 * spaces, everything outside printable ASCII escaped as \uXXXX with lowercase
 * hex (surrogate pairs above U+FFFF). It is byte-identical to Python's
 * json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=True),
 * which is what the original tool hashed.
 *
 * pv_json_pretty is the human form (`privaci schema config`, `--json`
 * outputs): Python's json.dumps(v, indent=2, sort_keys=True,
 * ensure_ascii=False) plus a trailing newline.
 *
 * Both return a malloc'd NUL-terminated string the caller frees, and never
 * NULL (NULL input renders as "null").
 */
#ifndef PRIVACI_UTIL_CANONJSON_H
#define PRIVACI_UTIL_CANONJSON_H

#include <jansson.h>

char *pv_canonjson_dump(const json_t *v);
char *pv_json_pretty(const json_t *v);

#endif
