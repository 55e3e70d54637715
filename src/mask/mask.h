/*
 * mask.h — the pure masking core: what the stream's masker calls.
 *
 * Nothing here touches a database, a clock or randomness; every output is
 * a function of (action and parameters, salt or key, hash path, unique
 * flag, faker library, input text) — masking.md §1.
 *
 * Per column (once, before streaming; results are immutable and shared by
 * all threads):
 *   fake / pseudonym   pv_fake_column_new        (fake.h)
 *   hash               pv_hash_column_init       (hash.h)
 *   hmac_hash          pv_hmac_column_init       (hash.h)
 *   §9.2 permutation   pv_fpe_new                (unique.h; when plan.fpe)
 * Per thread: one pv_mask_scratch (text.h). Memos (memo.h) sit above the
 * actions: the stream's masker keeps one per thread and column, keyed by
 * the input cell.
 *
 * Per cell:
 *   1. pv_mask_cell_fate (below) applies §3: NULL and `""` never reach an
 *      action except `static`.
 *   2. the action appends its text to the caller's pv_buf:
 *      pv_fake_cell, pv_hash_cell, pv_hmac_cell, pv_fpe_map_text /
 *      pv_fpe_map_int; typed `hash` outputs (§4.2) come from
 *      pv_hash_digest + pv_hash_to_uuid / _to_int / _to_numeric.
 *   3. the caller coerces the text into the target type (§4.1).
 */
#ifndef PRIVACI_MASK_MASK_H
#define PRIVACI_MASK_MASK_H

#include "mask/custom.h"
#include "mask/fake.h"
#include "mask/hash.h"
#include "mask/library.h"
#include "mask/memo.h"
#include "mask/providers.h"
#include "mask/text.h"
#include "mask/unique.h"

#include <stdbool.h>
#include <stddef.h>

/* How §3 treats an action. */
typedef enum pv_mask_class {
    PV_MASK_CLASS_PASSTHROUGH,
    PV_MASK_CLASS_NULL,
    PV_MASK_CLASS_STATIC,
    PV_MASK_CLASS_OTHER, /* every action that computes from the value */
} pv_mask_class;

typedef enum pv_cell_fate {
    PV_FATE_NULL,   /* write NULL */
    PV_FATE_KEEP,   /* copy the source cell unchanged */
    PV_FATE_STATIC, /* write the static value */
    PV_FATE_MASK,   /* run the action on the input text */
} pv_cell_fate;

/*
 * masking.md §3: NULL stays NULL under every action (static and null
 * included); `""` becomes NULL under `null`, the value under `static`, and
 * stays `""` under every other action; whitespace-only is a normal value.
 */
static inline pv_cell_fate pv_mask_cell_fate(pv_mask_class action, bool is_null, size_t len)
{
    if (is_null)
        return PV_FATE_NULL;
    switch (action) {
    case PV_MASK_CLASS_PASSTHROUGH:
        return PV_FATE_KEEP;
    case PV_MASK_CLASS_NULL:
        return PV_FATE_NULL;
    case PV_MASK_CLASS_STATIC:
        return PV_FATE_STATIC;
    case PV_MASK_CLASS_OTHER:
    default:
        return len == 0 ? PV_FATE_KEEP : PV_FATE_MASK;
    }
}

#endif
