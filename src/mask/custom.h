/*
 * custom.h — data-file fake providers (masking.md §8.4).
 *
 * Each `*.yaml` file in the directories of PRIVACI_PROVIDERS_PATH (`:`-
 * separated), then in <data dir>/providers/, defines one provider:
 *
 *   name: acme_employee_id          # ^[a-z][a-z0-9_]{0,62}$, not a built-in
 *   kind: template                  # or: library
 *   template: "EMP-{hex:8|upper}"   # template kind
 *   values: [a, b]                  # library kind: values[int(seed) mod len]
 *   lists: {dept: [OPS, ENG]}       # template kind: lists for {pick:dept}
 *   types: [text]                   # optional extra column types (default text)
 *
 * Template placeholders: {hex:N} (1–32), {digits:N} (1–30), {pick:list};
 * modifier |upper or |lower; `{{` and `}}` are literal braces. A pick uses
 * idx(seed[k:], len) where k is the placeholder's 0-based ordinal among
 * all placeholders of the template (seed[k:] is empty, hence index 0, from
 * k = 16 on).
 *
 * Files are read in a fixed order (directories as listed, names sorted
 * byte-wise within each), so a load is deterministic. A provider set is
 * immutable once loaded and shared by every thread.
 */
#ifndef PRIVACI_MASK_CUSTOM_H
#define PRIVACI_MASK_CUSTOM_H

#include "util/buf.h"
#include "mask/seed.h"
#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

typedef struct pv_custom_provider pv_custom_provider;
typedef struct pv_custom_set pv_custom_set;

/*
 * Loads every provider file of `dirs` (missing directories are skipped).
 * Every problem of every file is reported, one `<file>:<line>: <problem>`
 * line each, in one exit-3 error (Context `Loading custom providers`).
 */
/* ^[a-z][a-z0-9_]{0,62}$: a valid provider or list name (masking.md §8.4). */
bool pv_custom_name_ok(const char *s, size_t len);

pv_error *pv_custom_load_dirs(const char *const *dirs, size_t n_dirs, pv_custom_set **out);
void pv_custom_set_free(pv_custom_set *set);

/*
 * The process-wide set from PRIVACI_PROVIDERS_PATH and <data dir>/providers,
 * loaded on first use (thread-safe) and kept for the process.
 */
pv_error *pv_custom_providers(const pv_custom_set **out);

size_t pv_custom_count(const pv_custom_set *set);
const pv_custom_provider *pv_custom_at(const pv_custom_set *set, size_t i);
const pv_custom_provider *pv_custom_find(const pv_custom_set *set, const char *name);

const char *pv_custom_name(const pv_custom_provider *p);
/* The column types the file declares besides text (may be 0). */
size_t pv_custom_type_count(const pv_custom_provider *p);
const char *pv_custom_type(const pv_custom_provider *p, size_t i);

/* Appends the provider's output for `seed`. Never allocates after warm-up. */
void pv_custom_generate(const pv_custom_provider *p, const uint8_t seed[PV_SEED_LEN], pv_buf *out);

#endif
