/*
 * memo.h — a per-column, per-thread memo of recent (input → masked output)
 * pairs (DESIGN.md, "Performance design").
 *
 * Masking is a pure function of the input within one column, so a repeated
 * input (country, city, status-like columns) can reuse the previous output
 * instead of hashing again. The memo is a small fixed table (no growth, no
 * allocation after creation): short inputs and outputs only, a new entry
 * replaces whatever occupied its slot. It watches its own hit rate and
 * switches itself off for a while on high-cardinality columns, where a
 * lookup would be pure overhead.
 *
 * Not thread-safe: each masking thread owns its memos. Every function
 * accepts a NULL memo and then does nothing (get misses).
 */
#ifndef PRIVACI_MASK_MEMO_H
#define PRIVACI_MASK_MEMO_H

#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PV_MEMO_SLOTS   256 /* power of two */
#define PV_MEMO_KEY_MAX 32  /* longer inputs are not memoised */
#define PV_MEMO_VAL_MAX 86  /* longer outputs are not memoised */

typedef struct pv_memo pv_memo;

pv_memo *pv_memo_new(void);
void pv_memo_free(pv_memo *memo);

/* On a hit appends the remembered output to `out` and returns true. */
bool pv_memo_get(pv_memo *memo, const uint8_t *in, size_t len, pv_buf *out);

/* Remembers in → out (ignored when either is too long, or while switched off). */
void pv_memo_put(pv_memo *memo, const uint8_t *in, size_t len, const uint8_t *out, size_t out_len);

/* Counters, for tests and the benchmark: lookups and hits since creation. */
void pv_memo_stats(const pv_memo *memo, uint64_t *lookups, uint64_t *hits);

#endif
