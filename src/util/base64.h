/*
 * base64.h — base64url without `=` padding (RFC 4648 §5), shared by the
 * `hmac_hash` action's base64url format (masking.md §5) and the encrypted
 * checkpoint cursors (streaming.md §6.1).
 */
#ifndef PRIVACI_UTIL_BASE64_H
#define PRIVACI_UTIL_BASE64_H

#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Appends the base64url of `n` bytes, without padding. */
void pv_buf_base64url(pv_buf *out, const uint8_t *bytes, size_t n);

/*
 * Appends the bytes `len` characters of unpadded base64url decode to.
 * Strict: false (with `out` back at its old length) for a character outside
 * the alphabet (`=` included), a length of 4k+1, or non-zero bits in the
 * last character's unused low bits — so every byte string has exactly one
 * accepted text.
 */
bool pv_buf_base64url_decode(pv_buf *out, const char *text, size_t len);

#endif
