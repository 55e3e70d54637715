/*
 * unique.h — uniqueness processing for unique columns (masking.md §9).
 *
 * §9.1, both libraries: a `fake`/`pseudonym` output `base` is suffixed or
 * remapped from the cell's seed, so distinct inputs stay distinct with
 * overwhelming probability.
 *
 * §9.2, `standard` only: a unique integer column (int2/int4/int8, or
 * numeric(p,0)) masked with `hash`, or with `postcode`/`credit_card`/`phone`,
 * maps each input through a keyed Feistel permutation of its sign's half of
 * the type's range, with cycle-walking — collision-free by construction.
 * Whether §9.2 applies is the plan's decision (plan column `fpe`); the
 * caller then uses a pv_fpe instead of the action.
 */
#ifndef PRIVACI_MASK_UNIQUE_H
#define PRIVACI_MASK_UNIQUE_H

#include "util/buf.h"
#include "mask/seed.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- §9.1 */

/*
 * Appends the unique form of `base` (the output of built-in provider
 * `provider`, or -1 for a custom provider) for seed `seed`. The checks run
 * in the spec's order: email `+hex16` before the last `@`; uuid/password
 * unchanged; dob or an ISO date plus 1–3650 days; `-?digits` remapped
 * digit-for-digit; else `base__hex16`. A date-shaped base that is not a
 * valid date, or whose shifted date would pass 9999-12-31, takes the
 * generic suffix (the original raised an exception there).
 */
void pv_unique_apply(int provider, const uint8_t seed[PV_SEED_LEN], const uint8_t *base, size_t len,
                     pv_buf *out);

/* ---------------------------------------------------------------- §9.2 */

typedef enum pv_fpe_type {
    PV_FPE_INT2,
    PV_FPE_INT4,
    PV_FPE_INT8,
    PV_FPE_NUMERIC, /* numeric(p,0), 1 ≤ p ≤ 1000 */
} pv_fpe_type;

typedef struct pv_fpe pv_fpe;

/*
 * The permutation for one column: secret = the salt (`hash`, `fake`) or the
 * pseudonym key (`pseudonym`), hash_path = the column's hash path (§7.1).
 * `precision` is read for PV_FPE_NUMERIC only. Immutable once built, so
 * one pv_fpe serves every thread. Fails (exit 1) only on a precision
 * outside 1–1000.
 */
pv_error *pv_fpe_new(pv_fpe_type type, int precision, const void *secret, size_t secret_len,
                     const char *hash_path, pv_fpe **out);
void pv_fpe_free(pv_fpe *fpe);

/*
 * int2/int4/int8: maps x, which must lie in the column type's range
 * (false otherwise, and always for numeric(p,0), whose outputs need not fit
 * 64 bits: use pv_fpe_map_text).
 */
bool pv_fpe_map_int(const pv_fpe *fpe, int64_t x, int64_t *y);

/*
 * Maps the decimal text of an integer (`-?[0-9]+`, as PostgreSQL prints
 * int and numeric(p,0) values) and appends the result's decimal text.
 * `NaN` (numeric) is appended unchanged. False, with nothing appended,
 * when v is not an integer of the domain.
 */
bool pv_fpe_map_text(const pv_fpe *fpe, const uint8_t *v, size_t len, pv_buf *out);

/*
 * Tests only: route every value through the arbitrary-precision path that
 * numeric(p > 19, 0) needs, so it can be checked against the 64-bit one.
 */
void pv_fpe_force_generic(pv_fpe *fpe, bool on);

#endif
