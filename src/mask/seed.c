#include "mask/seed.h"

#include <openssl/crypto.h>
#include <string.h>

void pv_seeder_init(pv_seeder *sd, const void *salt, size_t salt_len, const char *hash_path,
                    size_t path_len)
{
    memset(sd, 0, sizeof(*sd));
    sd->keyed = false;
    pv_sha_init(&sd->mid);
    pv_sha_update_lp(&sd->mid, salt, salt_len);
    pv_sha_update_lp(&sd->mid, hash_path, path_len);
}

void pv_seeder_init_keyed(pv_seeder *sd, const void *key, size_t key_len, const char *hash_path,
                          size_t path_len)
{
    memset(sd, 0, sizeof(*sd));
    sd->keyed = true;
    pv_hmac_key_init(&sd->key, key, key_len);
    pv_sha_update_lp(&sd->key.inner, hash_path, path_len);
}

void pv_seeder_clear(pv_seeder *sd)
{
    OPENSSL_cleanse(sd, sizeof(*sd));
}

void pv_seeder_digest_nfc(const pv_seeder *sd, const uint8_t *nfc, size_t len,
                          uint8_t out[PV_DIGEST_LEN])
{
    if (sd->keyed) {
        pv_sha_ctx inner = sd->key.inner;
        pv_sha_update_lp(&inner, nfc, len);
        pv_hmac_finish(&sd->key, &inner, out);
        return;
    }
    pv_sha_ctx ctx = sd->mid;
    pv_sha_update_lp(&ctx, nfc, len);
    pv_sha_final(&ctx, out);
}

bool pv_seeder_digest(const pv_seeder *sd, pv_mask_scratch *s, const uint8_t *v, size_t len,
                      uint8_t out[PV_DIGEST_LEN], const uint8_t **nfc, size_t *nfc_len)
{
    if (!pv_nfc(s, v, len, nfc, nfc_len))
        return false;
    pv_seeder_digest_nfc(sd, *nfc, *nfc_len, out);
    return true;
}
