/* base64.c — unpadded base64url (RFC 4648 §5); see base64.h. */
#include "util/base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void pv_buf_base64url(pv_buf *out, const uint8_t *b, size_t n)
{
    pv_buf_reserve(out, (n + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8 | b[i + 2];
        for (int k = 3; k >= 0; k--)
            out->data[out->len++] = (uint8_t)alphabet[(v >> (6 * k)) & 63];
    }
    size_t rest = n - i;
    if (rest) {
        uint32_t v = (uint32_t)b[i] << 16 | (rest == 2 ? (uint32_t)b[i + 1] << 8 : 0);
        for (size_t k = 0; k <= rest; k++)
            out->data[out->len++] = (uint8_t)alphabet[(v >> (18 - 6 * k)) & 63];
    }
}

/* The 6-bit value of one base64url character, or -1. */
static int sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

bool pv_buf_base64url_decode(pv_buf *out, const char *text, size_t len)
{
    if (len % 4 == 1)
        return false;
    size_t start = out->len;
    pv_buf_reserve(out, len / 4 * 3 + 2);
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = sextet(text[i]);
        if (v < 0) {
            out->len = start;
            return false;
        }
        acc = (acc << 6 | (uint32_t)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out->data[out->len++] = (uint8_t)(acc >> bits);
        }
    }
    /* 2 or 4 bits left over: they must be zero, as the encoder writes them. */
    if (bits && (acc & ((1u << bits) - 1)) != 0) {
        out->len = start;
        return false;
    }
    return true;
}
