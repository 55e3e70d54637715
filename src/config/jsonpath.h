/*
 * jsonpath.h — the JSONPath subset of json_mask rules (masking.md §10):
 * `$`, then any of `.name`, `.*`, `['key']`, `["key"]`, `[n]`, `[-n]`, `[*]`.
 */
#ifndef PRIVACI_CONFIG_JSONPATH_H
#define PRIVACI_CONFIG_JSONPATH_H

/*
 * NULL when `path` is valid; otherwise the problem (value-free, with the
 * 0-based code-point position), e.g. "expected '.' or '[' at position 3".
 * The caller frees it.
 */
char *pv_jsonpath_check(const char *path);

#endif
