/*
 * codec_net.c — inet, cidr, macaddr, macaddr8.
 *
 * inet/cidr wire form (inet_send): family (2 = IPv4, 3 = IPv6), prefix
 * bits, is_cidr, address length (4/16), address. Text output follows
 * PostgreSQL's port/inet_net_ntop.c (all four IPv4 octets; IPv6 with the
 * longest zero run compressed and an embedded IPv4 tail for ::a.b.c.d and
 * ::ffff:a.b.c.d), with "/bits" when the prefix is not the full width —
 * always for cidr, and always for the ::text cast (network_show).
 *
 * The encoder parses the IPv4 forms of inet_net_pton.c itself (inet:
 * dotted quad, or fewer octets with an explicit prefix; cidr: classful
 * widths for abbreviated networks, no bits right of the mask) and leaves
 * IPv6 address syntax to inet_pton, whose grammar is the same.
 */
#include "copy/codec_internal.h"

#include <arpa/inet.h>

#define PGSQL_AF_INET  2
#define PGSQL_AF_INET6 3

enum { NET_INET = 0, NET_CIDR = 1 };

static void put_ipv6(pv_buf *out, const uint8_t *a)
{
    unsigned words[8];
    for (int i = 0; i < 8; i++)
        words[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    /* the longest run of zero words (the first on ties), if at least two */
    int best = -1, best_len = 0, cur = -1, cur_len = 0;
    for (int i = 0; i <= 8; i++) {
        if (i < 8 && words[i] == 0) {
            if (cur < 0) {
                cur = i;
                cur_len = 0;
            }
            cur_len++;
        } else if (cur >= 0) {
            if (best < 0 || cur_len > best_len) {
                best = cur;
                best_len = cur_len;
            }
            cur = -1;
        }
    }
    if (best_len < 2)
        best = -1;
    static const char HEX[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
        if (best >= 0 && i >= best && i < best + best_len) {
            if (i == best)
                pv_buf_putc(out, ':');
            continue;
        }
        if (i != 0)
            pv_buf_putc(out, ':');
        if (i == 6 && best == 0 &&
            (best_len == 6 || (best_len == 7 && words[7] != 1) ||
             (best_len == 5 && words[5] == 0xffff))) {
            for (int k = 12; k < 16; k++) {
                if (k > 12)
                    pv_buf_putc(out, '.');
                pv_put_u64(out, a[k]);
            }
            return;
        }
        /* %x: no leading zeros */
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            unsigned d = (words[i] >> shift) & 15;
            if (d || started || shift == 0) {
                pv_buf_putc(out, (uint8_t)HEX[d]);
                started = true;
            }
        }
    }
    if (best >= 0 && best + best_len == 8)
        pv_buf_putc(out, ':');
}

static int inet_decode(const pv_scalar_codec *c, const uint8_t *p, size_t n, pv_render how,
                       pv_buf *out)
{
    if (n < 4)
        return PV_C_BADBIN;
    int family = p[0], bits = p[1], nb = p[3];
    int max_bits = family == PGSQL_AF_INET ? 32 : 128;
    if ((family != PGSQL_AF_INET && family != PGSQL_AF_INET6) || nb != max_bits / 8 ||
        n != 4 + (size_t)nb || bits > max_bits)
        return PV_C_BADBIN;
    const uint8_t *a = p + 4;
    if (family == PGSQL_AF_INET) {
        for (int k = 0; k < 4; k++) {
            if (k)
                pv_buf_putc(out, '.');
            pv_put_u64(out, a[k]);
        }
    } else {
        put_ipv6(out, a);
    }
    if (bits != max_bits || c->variant == NET_CIDR || how == PV_RENDER_CAST) {
        pv_buf_putc(out, '/');
        pv_put_u64(out, (uint64_t)bits);
    }
    return PV_C_OK;
}

/* Dotted decimal octets (1..4, each <= 255) into a[]; returns how many. */
static int parse_octets(const char *s, size_t n, uint8_t *a)
{
    int count = 0;
    size_t i = 0;
    while (i < n) {
        if (count == 4 || !pv_is_digit(s[i]))
            return -1;
        int v = 0;
        while (i < n && pv_is_digit(s[i])) {
            v = v * 10 + (s[i++] - '0');
            if (v > 255)
                return -1;
        }
        a[count++] = (uint8_t)v;
        if (i < n) {
            if (s[i] != '.' || i + 1 >= n)
                return -1;
            i++;
        }
    }
    return count;
}

/* inet_cidr_pton_ipv4's width for an abbreviated network without "/bits". */
static int classful_bits(const uint8_t *a, int octets)
{
    int bits = a[0] >= 240 ? 32 : a[0] >= 224 ? 8 : a[0] >= 192 ? 24 : a[0] >= 128 ? 16 : 8;
    if (bits < octets * 8)
        bits = octets * 8;
    if (bits == 8 && a[0] == 224)
        bits = 4;
    return bits;
}

/* No address bit beyond the prefix may be set (addressOK). */
static bool host_bits_clear(const uint8_t *a, int nbytes, int bits)
{
    for (int k = 0; k < nbytes; k++) {
        int keep = bits - 8 * k; /* prefix bits inside this byte */
        uint8_t mask = keep >= 8 ? 0xFF : keep <= 0 ? 0 : (uint8_t)(0xFF << (8 - keep));
        if (a[k] & (uint8_t)~mask)
            return false;
    }
    return true;
}

static int inet_encode(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out)
{
    pv_trim(&s, &n);
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    int bits = -1;
    if (slash) {
        int64_t b;
        size_t blen = n - alen - 1;
        if (blen == 0 || blen > 3 || !pv_is_digit(slash[1]) ||
            !pv_parse_int(slash + 1, blen, 0, 128, &b))
            return PV_C_BADTEXT;
        bits = (int)b;
    }
    uint8_t a[16] = {0};
    int family, max_bits;
    if (memchr(s, ':', alen)) {
        char tmp[64];
        if (alen >= sizeof(tmp))
            return PV_C_BADTEXT;
        memcpy(tmp, s, alen);
        tmp[alen] = '\0';
        if (inet_pton(AF_INET6, tmp, a) != 1)
            return PV_C_BADTEXT;
        family = PGSQL_AF_INET6;
        max_bits = 128;
        if (bits < 0)
            bits = 128;
    } else {
        family = PGSQL_AF_INET;
        max_bits = 32;
        int octets = parse_octets(s, alen, a);
        if (octets < 1 || bits > 32)
            return PV_C_BADTEXT;
        if (c->variant == NET_CIDR) {
            if (bits < 0)
                bits = classful_bits(a, octets);
        } else {
            /* inet: /32 only by default with all four octets written */
            if (bits < 0 && octets != 4)
                return PV_C_BADTEXT;
            if (bits < 0)
                bits = 32;
            if (bits / 8 > octets)
                return PV_C_BADTEXT;
        }
    }
    if (bits > max_bits)
        return PV_C_BADTEXT;
    if (c->variant == NET_CIDR && !host_bits_clear(a, max_bits / 8, bits))
        return PV_C_BADTEXT;
    pv_buf_putc(out, (uint8_t)family);
    pv_buf_putc(out, (uint8_t)bits);
    pv_buf_putc(out, c->variant == NET_CIDR ? 1 : 0);
    pv_buf_putc(out, (uint8_t)(max_bits / 8));
    pv_buf_put(out, a, (size_t)max_bits / 8);
    return PV_C_OK;
}

/* ------------------------------------------------------------ macaddr */

/* variant: the byte count, 6 or 8 */
static int mac_decode(const pv_scalar_codec *c, const uint8_t *p, size_t n, pv_render how,
                      pv_buf *out)
{
    if (n != (size_t)c->variant)
        return PV_C_BADBIN;
    static const char HEX[] = "0123456789abcdef";
    for (size_t k = 0; k < n; k++) {
        if (k)
            pv_buf_putc(out, ':');
        pv_buf_putc(out, (uint8_t)HEX[p[k] >> 4]);
        pv_buf_putc(out, (uint8_t)HEX[p[k] & 15]);
    }
    return PV_C_OK;
}

/*
 * Hex byte pairs with at most one separator (':', '-', '.') between pairs:
 * covers every form macaddr_in / macaddr8_in documents. macaddr8 also
 * takes six bytes and widens them to EUI-64 (FF:FE in the middle).
 */
static int mac_encode(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out)
{
    pv_trim(&s, &n);
    uint8_t b[8];
    int count = 0;
    size_t i = 0;
    while (i < n) {
        if (count == 8)
            return PV_C_BADTEXT;
        int hi = pv_hex_digit(s[i]);
        int lo = i + 1 < n ? pv_hex_digit(s[i + 1]) : -1;
        if (hi < 0 || lo < 0)
            return PV_C_BADTEXT;
        b[count++] = (uint8_t)(hi << 4 | lo);
        i += 2;
        if (i < n && (s[i] == ':' || s[i] == '-' || s[i] == '.')) {
            if (i + 1 >= n)
                return PV_C_BADTEXT;
            i++;
        }
    }
    if (c->variant == 6) {
        if (count != 6)
            return PV_C_BADTEXT;
        pv_buf_put(out, b, 6);
        return PV_C_OK;
    }
    if (count == 6) {
        uint8_t w[8] = {b[0], b[1], b[2], 0xFF, 0xFE, b[3], b[4], b[5]};
        pv_buf_put(out, w, 8);
        return PV_C_OK;
    }
    if (count != 8)
        return PV_C_BADTEXT;
    pv_buf_put(out, b, 8);
    return PV_C_OK;
}

const pv_scalar_codec pv_sc_inet = {"inet", 869, 1041, inet_decode, inet_encode, 0, NET_INET};
const pv_scalar_codec pv_sc_cidr = {"cidr", 650, 651, inet_decode, inet_encode, 0, NET_CIDR};
const pv_scalar_codec pv_sc_macaddr = {"macaddr", 829, 1040, mac_decode, mac_encode, 0, 6};
const pv_scalar_codec pv_sc_macaddr8 = {"macaddr8", 774, 775, mac_decode, mac_encode, 0, 8};
