/*
 * hash.h — SHA-256 helpers over OpenSSL's EVP interface.
 */
#ifndef PRIVACI_UTIL_HASH_H
#define PRIVACI_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define PV_SHA256_LEN 32

void pv_sha256(const void *data, size_t len, uint8_t out[PV_SHA256_LEN]);
/* Lowercase hex of SHA-256(data); `out` holds 65 bytes. */
void pv_sha256_hex(const void *data, size_t len, char out[2 * PV_SHA256_LEN + 1]);
/* Lowercase hex of `len` bytes into `out` (2*len+1 bytes). */
void pv_hex_encode(const uint8_t *bytes, size_t len, char *out);
/* Fills `out` from the OS CSPRNG; returns 0 on success. */
int pv_random_bytes(uint8_t *out, size_t len);

#endif
