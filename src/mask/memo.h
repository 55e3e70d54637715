/*
 * memo.h — a per-column, per-thread memo of recent (input → masked output)
 * pairs (DESIGN.md, "Performance design").
 *
 * Masking is a pure function of the input within one column, so a repeated
 * input (country, city, status-like columns) can reuse the previous output
 * instead of hashing again. The stream's masker keys it by the COPY cell and
 * keeps the output cell as written (length word included), so a hit is one
 * copy. The memo is a small fixed table (no growth, no allocation after
 * creation): short inputs and outputs only, a new entry replaces the older
 * one of its set. It watches its own hit rate and
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

#define PV_MEMO_SLOTS   512 /* 256 sets of 2 ways */
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

/*
 * pv_memo32 — the memo of a column whose values are 32 bits wide in binary
 * COPY (date, int4; int2 zero-extended), keyed by that value and holding the
 * 32-bit output. Such columns repeat over far more values than pv_memo's
 * 512 entries hold (a date of birth column has ~25,000 distinct days), and their domain is
 * small, so the table is direct-mapped on the key's low 16 bits: 65,536
 * slots of 8 bytes (512 KiB, allocated zeroed, touched as used). Any run of
 * 65,536 consecutive keys — every date within 179 years, every int2 —
 * occupies distinct slots and, once seen, always hits. Each slot keeps the
 * key's high 16 bits and a used bit next to the value, so a lookup reads
 * one word. No switch-off: a miss costs one load.
 */
typedef struct pv_memo32 pv_memo32;

pv_memo32 *pv_memo32_new(void);
void pv_memo32_free(pv_memo32 *memo);
bool pv_memo32_get(pv_memo32 *memo, uint32_t key, uint32_t *val);
/* Starts loading key's slot into the cache (a lookup later in the tuple then hits it). */
void pv_memo32_prefetch(const pv_memo32 *memo, uint32_t key);
void pv_memo32_put(pv_memo32 *memo, uint32_t key, uint32_t val);
void pv_memo32_stats(const pv_memo32 *memo, uint64_t *lookups, uint64_t *hits);

#endif
