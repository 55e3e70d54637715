/*
 * digest.h — SHA-256 and HMAC-SHA256 with reusable midstates (private to
 * src/mask).
 *
 * Every masking formula hashes a per-column prefix (salt, hash path, or an
 * HMAC key block) followed by the cell's own bytes. The state after the
 * prefix is computed once per column and copied per cell (DESIGN.md, "Hash
 * midstate"). A copy must be a plain struct copy: EVP_MD_CTX_copy_ex
 * allocates on every call in OpenSSL 3, which is a malloc per cell, so this
 * wraps the low-level SHA256_CTX (its functions are deprecated but remain
 * the only allocation-free way to fork a digest state).
 */
#ifndef PRIVACI_MASK_DIGEST_H
#define PRIVACI_MASK_DIGEST_H

#include <openssl/sha.h>
#include <stddef.h>
#include <stdint.h>

#define PV_DIGEST_LEN 32

typedef struct pv_sha_ctx {
    SHA256_CTX c;
} pv_sha_ctx;

void pv_sha_init(pv_sha_ctx *ctx);
void pv_sha_update(pv_sha_ctx *ctx, const void *data, size_t len);
/* lp(s) of masking.md: the 4-byte big-endian length, then the bytes. */
void pv_sha_update_lp(pv_sha_ctx *ctx, const void *data, size_t len);
/* Finishes `ctx` (which is then spent). */
void pv_sha_final(pv_sha_ctx *ctx, uint8_t out[PV_DIGEST_LEN]);

/*
 * An HMAC-SHA256 key as two midstates: after the ipad block and after the
 * opad block (RFC 2104). A message is hashed by copying `inner`, updating
 * it and finishing with pv_hmac_finish.
 */
typedef struct pv_hmac_key {
    pv_sha_ctx inner;
    pv_sha_ctx outer;
} pv_hmac_key;

void pv_hmac_key_init(pv_hmac_key *key, const void *secret, size_t len);
/* Finishes an HMAC whose inner state `inner` (a copy of key->inner plus the message) is spent. */
void pv_hmac_finish(const pv_hmac_key *key, pv_sha_ctx *inner, uint8_t out[PV_DIGEST_LEN]);
/* HMAC of one contiguous message. */
void pv_hmac(const pv_hmac_key *key, const void *msg, size_t len, uint8_t out[PV_DIGEST_LEN]);

#endif
