#include "mask/hash.h"

#include "mask/num.h"
#include "util/base64.h"

#include <openssl/crypto.h>
#include <string.h>

/* ---------------------------------------------------------------- hash */

void pv_hash_column_init(pv_hash_column *c, const void *salt, size_t salt_len)
{
    pv_sha_init(&c->mid);
    pv_sha_update(&c->mid, salt, salt_len);
}

void pv_hash_column_clear(pv_hash_column *c)
{
    OPENSSL_cleanse(c, sizeof(*c));
}

void pv_hash_digest(const pv_hash_column *c, const uint8_t *v, size_t len,
                    uint8_t out[PV_DIGEST_LEN])
{
    pv_sha_ctx ctx = c->mid;
    pv_sha_update(&ctx, v, len);
    pv_sha_final(&ctx, out);
}

void pv_hash_cell(const pv_hash_column *c, const uint8_t *v, size_t len, pv_buf *out)
{
    if (len == 0)
        return;
    uint8_t d[PV_DIGEST_LEN];
    pv_hash_digest(c, v, len, d);
    pv_buf_hex(out, d, sizeof(d));
}

void pv_hash_to_uuid(const uint8_t digest[PV_DIGEST_LEN], uint8_t out[16])
{
    memcpy(out, digest, 16);
    out[6] = (uint8_t)((out[6] & 0x0F) | 0x40);
    out[8] = (uint8_t)((out[8] & 0x3F) | 0x80);
}

uint64_t pv_hash_to_int(const uint8_t digest[PV_DIGEST_LEN], uint64_t max)
{
    uint64_t x = (uint64_t)pv_u128_be(digest, 8);
    return max == UINT64_MAX ? x : x % (max + 1);
}

void pv_hash_to_numeric(const uint8_t digest[PV_DIGEST_LEN], int precision, pv_buf *out)
{
    pv_u128 x = pv_u128_be(digest, 8);
    /* x < 2^64 < 10^20: from p = 20 on the modulo is the identity. */
    if (precision < 20)
        x %= pv_pow10_u128((unsigned)(precision > 0 ? precision : 0));
    pv_buf_u128(out, x, 1);
}

/* ---------------------------------------------------------------- hmac_hash */

void pv_hmac_column_init(pv_hmac_column *c, const void *key, size_t key_len, const char *hash_path,
                         pv_hmac_format format)
{
    pv_seeder_init_keyed(&c->seeder, key, key_len, hash_path, strlen(hash_path));
    c->format = format;
}

void pv_hmac_column_clear(pv_hmac_column *c)
{
    OPENSSL_cleanse(c, sizeof(*c));
}

bool pv_hmac_digest(const pv_hmac_column *c, pv_mask_scratch *s, const uint8_t *v, size_t len,
                    uint8_t out[PV_DIGEST_LEN])
{
    const uint8_t *nfc;
    size_t nfc_len;
    return pv_seeder_digest(&c->seeder, s, v, len, out, &nfc, &nfc_len);
}

bool pv_hmac_cell(const pv_hmac_column *c, pv_mask_scratch *s, const uint8_t *v, size_t len,
                  pv_buf *out)
{
    if (len == 0)
        return true;
    uint8_t d[PV_DIGEST_LEN];
    if (!pv_hmac_digest(c, s, v, len, d))
        return false;
    if (c->format == PV_HMAC_FORMAT_BASE64URL)
        pv_buf_base64url(out, d, sizeof(d));
    else
        pv_buf_hex(out, d, sizeof(d));
    return true;
}
