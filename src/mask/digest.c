/*
 * digest.c — see digest.h for why this uses the low-level SHA-256 API.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "mask/digest.h"

#include <openssl/crypto.h>
#include <string.h>

#define SHA256_BLOCK 64

void pv_sha_init(pv_sha_ctx *ctx)
{
    SHA256_Init(&ctx->c);
}

void pv_sha_update(pv_sha_ctx *ctx, const void *data, size_t len)
{
    if (len)
        SHA256_Update(&ctx->c, data, len);
}

void pv_sha_update_lp(pv_sha_ctx *ctx, const void *data, size_t len)
{
    uint8_t be[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
    SHA256_Update(&ctx->c, be, sizeof(be));
    pv_sha_update(ctx, data, len);
}

void pv_sha_final(pv_sha_ctx *ctx, uint8_t out[PV_DIGEST_LEN])
{
    SHA256_Final(out, &ctx->c);
}

void pv_hmac_key_init(pv_hmac_key *key, const void *secret, size_t len)
{
    uint8_t block[SHA256_BLOCK] = {0};
    if (len > SHA256_BLOCK) {
        pv_sha_ctx h;
        pv_sha_init(&h);
        pv_sha_update(&h, secret, len);
        pv_sha_final(&h, block);
    } else if (len) {
        memcpy(block, secret, len);
    }
    uint8_t pad[SHA256_BLOCK];
    for (size_t i = 0; i < SHA256_BLOCK; i++)
        pad[i] = block[i] ^ 0x36;
    pv_sha_init(&key->inner);
    pv_sha_update(&key->inner, pad, SHA256_BLOCK);
    for (size_t i = 0; i < SHA256_BLOCK; i++)
        pad[i] = block[i] ^ 0x5c;
    pv_sha_init(&key->outer);
    pv_sha_update(&key->outer, pad, SHA256_BLOCK);
    /* The key is a secret (salt or pseudonym key): leave no copy on the stack. */
    OPENSSL_cleanse(block, sizeof(block));
    OPENSSL_cleanse(pad, sizeof(pad));
}

void pv_hmac_finish(const pv_hmac_key *key, pv_sha_ctx *inner, uint8_t out[PV_DIGEST_LEN])
{
    uint8_t ihash[PV_DIGEST_LEN];
    pv_sha_final(inner, ihash);
    pv_sha_ctx outer = key->outer;
    pv_sha_update(&outer, ihash, sizeof(ihash));
    pv_sha_final(&outer, out);
}

void pv_hmac(const pv_hmac_key *key, const void *msg, size_t len, uint8_t out[PV_DIGEST_LEN])
{
    pv_sha_ctx inner = key->inner;
    pv_sha_update(&inner, msg, len);
    pv_hmac_finish(key, &inner, out);
}
