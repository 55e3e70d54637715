/*
 * fpe.c — the keyed permutation of masking.md §9.2.
 *
 * Each sign's half of the domain is [lo, lo + N). With m = x − lo, the
 * output is lo + y where y = P(m), walked through P again while y ≥ N. We
 * keep magnitudes instead of signed values: for x ≥ 0, m = x and the
 * output is y; for x < 0 (lo = −N), m = N − |x| and the output is
 * −(N − y). That keeps int8's −2^63 and numeric(19)'s −(10^19 − 1) in
 * 64-bit unsigned arithmetic.
 *
 * Two implementations of P: 64-bit integers when w ≤ 64 (every int type and
 * numeric(p ≤ 19)), which allocates nothing; OpenSSL BIGNUMs and byte-array
 * halves otherwise (numeric(p,0) allows p up to 1000). Tests force the
 * second path on small domains and compare.
 */
#include "mask/unique.h"

#include "mask/digest.h"
#include "mask/num.h"
#include "util/xalloc.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define FPE_ROUNDS     10
#define FPE_LABEL      "privaci-fpe-v1"
#define FPE_MAX_DIGITS 1000

typedef struct fpe_half {
    uint64_t n64; /* N when it fits in 64 bits (always when small) */
    BIGNUM *n;    /* N, always set */
    unsigned w;   /* even bit width with 2^w > N − 1 */
    unsigned h;   /* w / 2 */
    unsigned B;   /* ceil(h / 8): bytes of a half */
    bool small;   /* w ≤ 64 */
} fpe_half;

struct pv_fpe {
    pv_fpe_type type;
    int precision;
    pv_hmac_key key; /* K of §9.2, ready for the round HMACs */
    fpe_half pos, neg;
    bool force_generic;
};

/* ---------------------------------------------------------------- set-up */

static void half_init(fpe_half *hf, BIGNUM *n)
{
    hf->n = n;
    BIGNUM *top = BN_dup(n);
    if (!top || !BN_sub_word(top, 1))
        abort();
    unsigned bits = (unsigned)BN_num_bits(top);
    BN_free(top);
    hf->w = bits + (bits & 1);
    hf->h = hf->w / 2;
    hf->B = (hf->h + 7) / 8;
    hf->small = hf->w <= 64;
    hf->n64 = hf->small ? (uint64_t)BN_get_word(n) : 0;
}

static BIGNUM *bn_word(uint64_t v)
{
    BIGNUM *b = BN_new();
    if (!b || !BN_set_word(b, v))
        abort();
    return b;
}

/* 10^p, and 10^p − 1 */
static void pow10_pair(int p, BIGNUM **pow, BIGNUM **pow_minus_1)
{
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *ten = bn_word(10), *e = bn_word((uint64_t)p);
    *pow = BN_new();
    if (!ctx || !*pow || !BN_exp(*pow, ten, e, ctx))
        abort();
    *pow_minus_1 = BN_dup(*pow);
    if (!*pow_minus_1 || !BN_sub_word(*pow_minus_1, 1))
        abort();
    BN_free(ten);
    BN_free(e);
    BN_CTX_free(ctx);
}

static void derive_key(pv_fpe *fpe, const void *secret, size_t secret_len, const char *hash_path)
{
    pv_hmac_key outer;
    pv_hmac_key_init(&outer, secret, secret_len);
    pv_sha_ctx inner = outer.inner;
    pv_sha_update(&inner, FPE_LABEL, strlen(FPE_LABEL));
    pv_sha_update(&inner, hash_path, strlen(hash_path));
    uint8_t k[PV_DIGEST_LEN];
    pv_hmac_finish(&outer, &inner, k);
    pv_hmac_key_init(&fpe->key, k, sizeof(k));
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(&outer, sizeof(outer));
}

pv_error *pv_fpe_new(pv_fpe_type type, int precision, const void *secret, size_t secret_len,
                     const char *hash_path, pv_fpe **out)
{
    *out = NULL;
    if (type == PV_FPE_NUMERIC && (precision < 1 || precision > FPE_MAX_DIGITS))
        return pv_error_new(PV_EXIT_GENERIC, "Preparing the keyed permutation for a unique column",
                            "Use a numeric precision between 1 and 1000.",
                            "numeric precision %d is outside 1-1000.", precision);
    pv_fpe *fpe = pv_xcalloc(1, sizeof(*fpe));
    fpe->type = type;
    fpe->precision = precision;
    switch (type) {
    case PV_FPE_INT2:
        half_init(&fpe->pos, bn_word(UINT64_C(1) << 15));
        half_init(&fpe->neg, bn_word(UINT64_C(1) << 15));
        break;
    case PV_FPE_INT4:
        half_init(&fpe->pos, bn_word(UINT64_C(1) << 31));
        half_init(&fpe->neg, bn_word(UINT64_C(1) << 31));
        break;
    case PV_FPE_INT8:
        half_init(&fpe->pos, bn_word(UINT64_C(1) << 63));
        half_init(&fpe->neg, bn_word(UINT64_C(1) << 63));
        break;
    case PV_FPE_NUMERIC: {
        BIGNUM *pow, *pow_m1;
        pow10_pair(precision, &pow, &pow_m1);
        half_init(&fpe->pos, pow);    /* [0, 10^p − 1] */
        half_init(&fpe->neg, pow_m1); /* [−(10^p − 1), −1] */
        break;
    }
    }
    derive_key(fpe, secret, secret_len, hash_path ? hash_path : "");
    *out = fpe;
    return NULL;
}

void pv_fpe_free(pv_fpe *fpe)
{
    if (!fpe)
        return;
    BN_free(fpe->pos.n);
    BN_free(fpe->neg.n);
    OPENSSL_cleanse(&fpe->key, sizeof(fpe->key));
    free(fpe);
}

void pv_fpe_force_generic(pv_fpe *fpe, bool on)
{
    fpe->force_generic = on;
}

/* ---------------------------------------------------------------- P, 64-bit */

/* F(r, R) = int(T[0:B]) mod 2^h with T = HMAC(K, byte(r) ‖ be32(0) ‖ be(R, B)). */
static uint64_t round64(const pv_hmac_key *key, unsigned r, uint64_t R, const fpe_half *hf)
{
    uint8_t msg[1 + 4 + 8] = {(uint8_t)r, 0, 0, 0, 0};
    for (unsigned i = 0; i < hf->B; i++)
        msg[5 + i] = (uint8_t)(R >> (8 * (hf->B - 1 - i)));
    uint8_t t[PV_DIGEST_LEN];
    pv_hmac(key, msg, 5 + hf->B, t);
    uint64_t f = 0;
    for (unsigned i = 0; i < hf->B; i++)
        f = f << 8 | t[i];
    return f & ((UINT64_C(1) << hf->h) - 1); /* h ≤ 32 here */
}

static uint64_t perm64(const pv_fpe *fpe, const fpe_half *hf, uint64_t y)
{
    uint64_t mask = (UINT64_C(1) << hf->h) - 1;
    uint64_t L = y >> hf->h, R = y & mask;
    for (unsigned r = 0; r < FPE_ROUNDS; r++) {
        uint64_t next = L ^ round64(&fpe->key, r, R, hf);
        L = R;
        R = next;
    }
    return L << hf->h | R;
}

static uint64_t walk64(const pv_fpe *fpe, const fpe_half *hf, uint64_t m)
{
    uint64_t y = perm64(fpe, hf, m);
    while (y >= hf->n64)
        y = perm64(fpe, hf, y);
    return y;
}

/* ---------------------------------------------------------------- P, any size */

/* F over byte-array halves: as many 32-byte HMAC blocks as B bytes need. */
static void round_big(const pv_hmac_key *key, unsigned r, const uint8_t *R, const fpe_half *hf,
                      uint8_t *f)
{
    size_t blocks = (hf->B + PV_DIGEST_LEN - 1) / PV_DIGEST_LEN;
    for (size_t j = 0; j < blocks; j++) {
        uint8_t head[5] = {(uint8_t)r, (uint8_t)(j >> 24), (uint8_t)(j >> 16), (uint8_t)(j >> 8),
                           (uint8_t)j};
        pv_sha_ctx inner = key->inner;
        pv_sha_update(&inner, head, sizeof(head));
        pv_sha_update(&inner, R, hf->B);
        uint8_t t[PV_DIGEST_LEN];
        pv_hmac_finish(key, &inner, t);
        size_t take = hf->B - j * PV_DIGEST_LEN;
        memcpy(f + j * PV_DIGEST_LEN, t, take < PV_DIGEST_LEN ? take : PV_DIGEST_LEN);
    }
    unsigned spare = 8 * hf->B - hf->h; /* mod 2^h: clear the top bits */
    f[0] &= (uint8_t)(0xff >> spare);
}

static void bn_to_half(const BIGNUM *v, uint8_t *buf, unsigned B)
{
    if (BN_bn2binpad(v, buf, (int)B) < 0)
        abort();
}

static void perm_big(const pv_fpe *fpe, const fpe_half *hf, BIGNUM *y, uint8_t *scratch)
{
    uint8_t *L = scratch, *R = scratch + hf->B, *F = scratch + 2 * hf->B;
    BIGNUM *t = BN_new();
    if (!t || !BN_rshift(t, y, (int)hf->h))
        abort();
    bn_to_half(t, L, hf->B);
    /* R = y − (L << h); BN_mask_bits would fail on values shorter than h bits */
    if (!BN_lshift(t, t, (int)hf->h) || !BN_sub(t, y, t))
        abort();
    bn_to_half(t, R, hf->B);
    for (unsigned r = 0; r < FPE_ROUNDS; r++) {
        round_big(&fpe->key, r, R, hf, F);
        for (unsigned i = 0; i < hf->B; i++)
            F[i] ^= L[i];
        memcpy(L, R, hf->B);
        memcpy(R, F, hf->B);
    }
    if (!BN_bin2bn(L, (int)hf->B, y) || !BN_lshift(y, y, (int)hf->h) ||
        !BN_bin2bn(R, (int)hf->B, t) || !BN_add(y, y, t))
        abort();
    BN_free(t);
}

/* y = P(m) walked below N, in place. Allocates: numeric(p > 19) only. */
static void walk_big(const pv_fpe *fpe, const fpe_half *hf, BIGNUM *m)
{
    uint8_t *scratch = pv_xmalloc(3 * (size_t)hf->B);
    perm_big(fpe, hf, m, scratch);
    while (BN_cmp(m, hf->n) >= 0)
        perm_big(fpe, hf, m, scratch);
    free(scratch);
}

/* ---------------------------------------------------------------- mapping */

/* The output magnitude for input magnitude `a` in half hf (negative: a ≥ 1). */
static uint64_t map_mag64(const pv_fpe *fpe, const fpe_half *hf, bool neg, uint64_t a)
{
    uint64_t m = neg ? hf->n64 - a : a;
    uint64_t y = walk64(fpe, hf, m);
    return neg ? hf->n64 - y : y;
}

static void map_mag_big(const pv_fpe *fpe, const fpe_half *hf, bool neg, BIGNUM *a)
{
    if (neg && !BN_sub(a, hf->n, a)) /* m = N − a */
        abort();
    walk_big(fpe, hf, a);
    if (neg && !BN_sub(a, hf->n, a))
        abort();
}

static bool in_half(const fpe_half *hf, bool neg, uint64_t a)
{
    return neg ? a >= 1 && a <= hf->n64 : a < hf->n64;
}

bool pv_fpe_map_int(const pv_fpe *fpe, int64_t x, int64_t *y)
{
    bool neg = x < 0;
    const fpe_half *hf = neg ? &fpe->neg : &fpe->pos;
    uint64_t a = neg ? UINT64_C(0) - (uint64_t)x : (uint64_t)x;
    if (fpe->type == PV_FPE_NUMERIC || !in_half(hf, neg, a))
        return false;
    uint64_t out;
    if (fpe->force_generic) {
        BIGNUM *b = bn_word(a);
        map_mag_big(fpe, hf, neg, b);
        out = BN_get_word(b);
        BN_free(b);
    } else {
        out = map_mag64(fpe, hf, neg, a);
    }
    if (!neg)
        *y = (int64_t)out;
    else
        *y = out == UINT64_C(1) << 63 ? INT64_MIN : -(int64_t)out;
    return true;
}

/* Parses `-?[0-9]+`; *a gets the magnitude when it fits 64 bits. */
static bool parse_integer(const uint8_t *v, size_t len, bool *neg, size_t *digits_at, bool *fits,
                          uint64_t *a)
{
    size_t i = 0;
    *neg = len > 0 && v[0] == '-';
    i = *neg ? 1 : 0;
    if (i == len)
        return false;
    *digits_at = i;
    *fits = true;
    *a = 0;
    for (; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        unsigned d = (unsigned)(v[i] - '0');
        if (*a > (UINT64_MAX - d) / 10)
            *fits = false;
        else
            *a = *a * 10 + d;
    }
    if (*fits && *a == 0)
        *neg = false; /* "-0" is 0 */
    return true;
}

static bool map_text_big(const pv_fpe *fpe, const fpe_half *hf, bool neg, const uint8_t *digits,
                         size_t n, pv_buf *out)
{
    if (n > 2 * FPE_MAX_DIGITS)
        return false;
    char *text = pv_xstrndup((const char *)digits, n);
    BIGNUM *a = NULL;
    bool ok = BN_dec2bn(&a, text) > 0;
    free(text);
    if (!ok)
        abort();
    /* positive: a < N; negative: 1 ≤ a ≤ N */
    int cmp = BN_cmp(a, hf->n);
    if (neg ? (BN_is_zero(a) || cmp > 0) : cmp >= 0) {
        BN_free(a);
        return false;
    }
    map_mag_big(fpe, hf, neg, a);
    char *dec = BN_bn2dec(a);
    if (!dec)
        abort();
    if (neg)
        pv_buf_putc(out, '-');
    pv_buf_puts(out, dec);
    OPENSSL_free(dec);
    BN_free(a);
    return true;
}

bool pv_fpe_map_text(const pv_fpe *fpe, const uint8_t *v, size_t len, pv_buf *out)
{
    if (fpe->type == PV_FPE_NUMERIC && len == 3 && memcmp(v, "NaN", 3) == 0) {
        pv_buf_put(out, v, len);
        return true;
    }
    bool neg, fits;
    size_t at;
    uint64_t a;
    if (!parse_integer(v, len, &neg, &at, &fits, &a))
        return false;
    const fpe_half *hf = neg ? &fpe->neg : &fpe->pos;
    if (!hf->small || fpe->force_generic || !fits)
        return map_text_big(fpe, hf, neg, v + at, len - at, out);
    if (!in_half(hf, neg, a))
        return false;
    uint64_t y = map_mag64(fpe, hf, neg, a);
    if (neg)
        pv_buf_putc(out, '-');
    pv_buf_u64(out, y);
    return true;
}
