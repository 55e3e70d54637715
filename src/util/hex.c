#include "util/hex.h"

#include "util/xalloc.h"

char *pv_percent_decode(const char *s, size_t len)
{
    char *out = pv_xmalloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < len && (hi = pv_hex_digit(s[i + 1])) >= 0 &&
            (lo = pv_hex_digit(s[i + 2])) >= 0 && (hi | lo) != 0) {
            out[n++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[n++] = s[i];
        }
    }
    out[n] = '\0';
    return out;
}
