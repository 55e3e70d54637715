#include "util/hash.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>

void pv_sha256(const void *data, size_t len, uint8_t out[PV_SHA256_LEN])
{
    unsigned int n = 0;
    if (!EVP_Digest(data, len, out, &n, EVP_sha256(), NULL))
        abort();
}

void pv_hex_encode(const uint8_t *bytes, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

void pv_sha256_hex(const void *data, size_t len, char out[2 * PV_SHA256_LEN + 1])
{
    uint8_t digest[PV_SHA256_LEN];
    pv_sha256(data, len, digest);
    pv_hex_encode(digest, sizeof(digest), out);
}

int pv_random_bytes(uint8_t *out, size_t len)
{
    return RAND_bytes(out, (int)len) == 1 ? 0 : -1;
}
