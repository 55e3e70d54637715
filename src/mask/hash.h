/*
 * hash.h — the `hash` and `hmac_hash` actions (masking.md §5) and the
 * type-aware forms of the `hash` digest (§4.2).
 *
 *   hash:       hex(SHA-256(u8(salt) ‖ u8(v)))  — no NFC, no path, no lp
 *   hmac_hash:  d = HMAC-SHA256(pseudonym_key, lp(hash_path) ‖ lp(nfc(v)));
 *               hex(d) or base64url(d) without padding
 *
 * Column objects are initialised once (the salt or key prefix hashed into a
 * midstate) and then only read; the cell functions append to a reused
 * pv_buf and never allocate. The text cell functions implement §3 for the
 * empty string (`""` stays `""`); NULL never reaches them.
 */
#ifndef PRIVACI_MASK_HASH_H
#define PRIVACI_MASK_HASH_H

#include "util/buf.h"
#include "mask/digest.h"
#include "mask/seed.h"
#include "mask/text.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PV_HASH_HEX_LEN    64
#define PV_HMAC_B64URL_LEN 43

/* ---------------------------------------------------------------- hash */

typedef struct pv_hash_column {
    pv_sha_ctx mid; /* after u8(salt) */
} pv_hash_column;

void pv_hash_column_init(pv_hash_column *c, const void *salt, size_t salt_len);
void pv_hash_column_clear(pv_hash_column *c);

/* The 32-byte digest of v (any bytes; also for the empty string). */
void pv_hash_digest(const pv_hash_column *c, const uint8_t *v, size_t len,
                    uint8_t out[PV_DIGEST_LEN]);

/* Text form: 64 lowercase hex chars; `""` appends nothing. */
void pv_hash_cell(const pv_hash_column *c, const uint8_t *v, size_t len, pv_buf *out);

/* §4.2 `uuid`: digest bytes 0–15 with the version-4 and variant bits set. */
void pv_hash_to_uuid(const uint8_t digest[PV_DIGEST_LEN], uint8_t out[16]);
/* §4.2 integers: int(digest[0:8]) mod (max + 1), max = the type's maximum. */
uint64_t pv_hash_to_int(const uint8_t digest[PV_DIGEST_LEN], uint64_t max);
/* §4.2 numeric(p,0): int(digest[0:8]) mod 10^p, appended in decimal. */
void pv_hash_to_numeric(const uint8_t digest[PV_DIGEST_LEN], int precision, pv_buf *out);

/* ---------------------------------------------------------------- hmac_hash */

typedef enum pv_hmac_format {
    PV_HMAC_FORMAT_HEX,
    PV_HMAC_FORMAT_BASE64URL,
} pv_hmac_format;

typedef struct pv_hmac_column {
    pv_seeder seeder; /* keyed: HMAC inner state after lp(hash_path) */
    pv_hmac_format format;
} pv_hmac_column;

void pv_hmac_column_init(pv_hmac_column *c, const void *key, size_t key_len, const char *hash_path,
                         pv_hmac_format format);
void pv_hmac_column_clear(pv_hmac_column *c);

/* The 32-byte HMAC of v (bytea with encoding hex stores these raw). False: v is not UTF-8. */
bool pv_hmac_digest(const pv_hmac_column *c, pv_mask_scratch *s, const uint8_t *v, size_t len,
                    uint8_t out[PV_DIGEST_LEN]);

/* Text form in the column's format; `""` appends nothing. False: v is not UTF-8. */
bool pv_hmac_cell(const pv_hmac_column *c, pv_mask_scratch *s, const uint8_t *v, size_t len,
                  pv_buf *out);

#endif
