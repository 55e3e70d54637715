/* cursor.c — sealed checkpoint cursors (streaming.md §6.1); see cursor.h. */
#include "state/cursor.h"

#include "util/base64.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/xalloc.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KEY_LABEL "privaci-checkpoint-cursor-v1"
#define KEY_LEN   32

/* K = HMAC-SHA256(key = u8(salt), message = KEY_LABEL). */
static void derive_key(const char *salt, uint8_t key[KEY_LEN])
{
    unsigned int n = 0;
    if (!salt) /* a sealed unit without the run's salt is a wiring bug */
        abort();
    if (!HMAC(EVP_sha256(), salt, (int)strlen(salt), (const uint8_t *)KEY_LABEL, strlen(KEY_LABEL),
              key, &n) ||
        n != KEY_LEN)
        abort();
}

char *pv_cursor_seal(const char *clear, const char *salt)
{
    size_t len = strlen(clear);
    if (len > (size_t)INT32_MAX - PV_CURSOR_TAG_LEN)
        abort(); /* a PK text this long never reaches a checkpoint */
    uint8_t key[KEY_LEN];
    derive_key(salt, key);
    pv_buf raw = PV_BUF_INIT; /* nonce ‖ ciphertext ‖ tag */
    pv_buf_reserve(&raw, PV_CURSOR_NONCE_LEN + len + PV_CURSOR_TAG_LEN);
    uint8_t *nonce = raw.data, *ct = raw.data + PV_CURSOR_NONCE_LEN;
    if (pv_random_bytes(nonce, PV_CURSOR_NONCE_LEN) != 0)
        abort();
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0;
    if (!ctx || EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, PV_CURSOR_NONCE_LEN, NULL) != 1 ||
        EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
        EVP_EncryptUpdate(ctx, ct, &n, (const uint8_t *)clear, (int)len) != 1 ||
        EVP_EncryptFinal_ex(ctx, ct + n, &fin) != 1 || (size_t)(n + fin) != len ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, PV_CURSOR_TAG_LEN, ct + len) != 1)
        abort();
    EVP_CIPHER_CTX_free(ctx); /* wipes the expanded key */
    OPENSSL_cleanse(key, sizeof(key));
    raw.len = PV_CURSOR_NONCE_LEN + len + PV_CURSOR_TAG_LEN;

    pv_buf out = PV_BUF_INIT;
    pv_buf_puts(&out, PV_CURSOR_PREFIX);
    pv_buf_base64url(&out, raw.data, raw.len);
    pv_buf_terminate(&out);
    pv_buf_free(&raw);
    return (char *)out.data;
}

bool pv_cursor_unseal(const char *stored, const char *salt, char **clear)
{
    *clear = NULL;
    size_t prefix = strlen(PV_CURSOR_PREFIX);
    if (!stored || strncmp(stored, PV_CURSOR_PREFIX, prefix) != 0)
        return false;
    pv_buf raw = PV_BUF_INIT;
    const char *text = stored + prefix;
    if (!pv_buf_base64url_decode(&raw, text, strlen(text)) ||
        raw.len < PV_CURSOR_NONCE_LEN + PV_CURSOR_TAG_LEN ||
        raw.len - PV_CURSOR_NONCE_LEN - PV_CURSOR_TAG_LEN > (size_t)INT32_MAX - 1) {
        pv_buf_free(&raw);
        return false;
    }
    size_t len = raw.len - PV_CURSOR_NONCE_LEN - PV_CURSOR_TAG_LEN;
    const uint8_t *nonce = raw.data, *ct = raw.data + PV_CURSOR_NONCE_LEN;
    uint8_t tag[PV_CURSOR_TAG_LEN];
    memcpy(tag, ct + len, sizeof(tag));
    uint8_t key[KEY_LEN];
    derive_key(salt, key);
    char *pt = pv_xmalloc(len + 1);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0;
    if (!ctx || EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, PV_CURSOR_NONCE_LEN, NULL) != 1 ||
        EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
        EVP_DecryptUpdate(ctx, (uint8_t *)pt, &n, ct, (int)len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, PV_CURSOR_TAG_LEN, tag) != 1)
        abort();
    /* Final is where the tag is checked: a failure is a wrong key or changed bytes. */
    bool ok = EVP_DecryptFinal_ex(ctx, (uint8_t *)pt + n, &fin) == 1 && (size_t)(n + fin) == len &&
              memchr(pt, '\0', len) == NULL;
    EVP_CIPHER_CTX_free(ctx);
    OPENSSL_cleanse(key, sizeof(key));
    pv_buf_free(&raw);
    if (!ok) {
        /* GCM hands out plaintext before the tag is checked: never keep it. */
        OPENSSL_cleanse(pt, len + 1);
        free(pt);
        return false;
    }
    pt[len] = '\0';
    *clear = pt;
    return true;
}
