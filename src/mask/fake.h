/*
 * fake.h — the `fake` and `pseudonym` actions for one column (masking.md
 * §5, §6, §8, §9.1).
 *
 * Per column, once: pv_fake_column_new resolves the provider (built-in or
 * custom data-file provider), loads the library (once per process), and
 * hashes the seed prefix into a midstate — salt for `fake`, the pseudonym
 * key for `pseudonym`, plus the hash path. The column is then immutable
 * and may be shared by every masking thread.
 *
 * Per cell: pv_fake_cell NFC-normalises the input (skipped for ASCII),
 * derives the seed, runs the provider, and applies the §9.1 suffix rules
 * when the column is unique — appending to the caller's buffer, with no
 * allocation once the thread's scratch has warmed up.
 *
 * §9.2 (unique integer columns under `standard`) is not handled here: when
 * the plan says `fpe`, the caller masks the column with a pv_fpe
 * (unique.h) instead.
 */
#ifndef PRIVACI_MASK_FAKE_H
#define PRIVACI_MASK_FAKE_H

#include "util/buf.h"
#include "mask/library.h"
#include "mask/text.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pv_fake_opts {
    pv_mask_library library;
    const char *provider;    /* built-in or custom provider name */
    const char *column_path; /* for error texts only */
    const char *hash_path;   /* §7.1: seed_alias, FK root path, or the column path */
    const void *secret;      /* the salt (fake) or the pseudonym key (pseudonym) */
    size_t secret_len;
    bool keyed;      /* pseudonym: seed = HMAC(key, lp(path) ‖ lp(nfc(v)))[0:16] */
    bool unique;     /* apply the §9.1 suffix rules */
    bool has_domain; /* email: params.domain present (even empty) */
    const char *domain;
} pv_fake_opts;

typedef struct pv_fake_column pv_fake_column;

/*
 * Fails with exit 1 for an unknown provider (Context `Generating fake for
 * <column path>`), exit 2 when the faker library cannot be loaded, exit 3
 * when the custom provider files are invalid.
 */
pv_error *pv_fake_column_new(const pv_fake_opts *opts, pv_fake_column **out);
void pv_fake_column_free(pv_fake_column *col);

/*
 * Masks one non-NULL cell whose input text (§2) is v, appending the output
 * to `out`. `""` appends nothing (§3). Fails (exit 1, naming the column, never the value) only
 * when v is not valid UTF-8.
 */
pv_error *pv_fake_cell(const pv_fake_column *col, pv_mask_scratch *s, const uint8_t *v, size_t len,
                       pv_buf *out);

/* The seed of a cell (tests and tools): false when v is not valid UTF-8. */
bool pv_fake_seed(const pv_fake_column *col, pv_mask_scratch *s, const uint8_t *v, size_t len,
                  uint8_t seed[16]);

#endif
