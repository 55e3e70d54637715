/*
 * seed.h — the per-cell seed of masking.md §6 (unkeyed) and §5 (keyed:
 * `pseudonym`, `hmac_hash`), with the per-column prefix hashed once.
 *
 *   unkeyed:  digest = SHA-256( lp(salt) ‖ lp(hash_path) ‖ lp(nfc(v)) )
 *   keyed:    digest = HMAC-SHA256( key, lp(hash_path) ‖ lp(nfc(v)) )
 *   seed     = digest[0:16]
 *
 * A pv_seeder is initialised once per column and then only read, so one
 * seeder may serve every thread. Per cell it copies a midstate and hashes
 * the cell's own bytes: no allocation, no formatting.
 */
#ifndef PRIVACI_MASK_SEED_H
#define PRIVACI_MASK_SEED_H

#include "mask/digest.h"
#include "mask/text.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PV_SEED_LEN 16

typedef struct pv_seeder {
    bool keyed;
    pv_sha_ctx mid;  /* unkeyed: after lp(salt) ‖ lp(hash_path) */
    pv_hmac_key key; /* keyed: inner midstate extended by lp(hash_path) */
} pv_seeder;

/* `fake` (§6): secret = the salt. */
void pv_seeder_init(pv_seeder *sd, const void *salt, size_t salt_len, const char *hash_path,
                    size_t path_len);
/* `pseudonym` / `hmac_hash` (§5): secret = the pseudonym key. */
void pv_seeder_init_keyed(pv_seeder *sd, const void *key, size_t key_len, const char *hash_path,
                          size_t path_len);
/* Wipes the key material (the midstates are derived from a secret). */
void pv_seeder_clear(pv_seeder *sd);

/* The 32-byte digest of an input that is already NFC-normalised. */
void pv_seeder_digest_nfc(const pv_seeder *sd, const uint8_t *nfc, size_t len,
                          uint8_t out[PV_DIGEST_LEN]);

/*
 * The digest of raw input text v: NFC-normalises it (cheaply skipped for
 * ASCII) and leaves the normalised text in *nfc / *nfc_len (v itself or
 * scratch memory) for providers that read the input (`phone`, `dob`).
 * Returns false when v is not valid UTF-8.
 */
bool pv_seeder_digest(const pv_seeder *sd, pv_mask_scratch *s, const uint8_t *v, size_t len,
                      uint8_t out[PV_DIGEST_LEN], const uint8_t **nfc, size_t *nfc_len);

#endif
