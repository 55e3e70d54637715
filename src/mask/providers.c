/*
 * providers.c — the algorithms of masking.md §8.1, formula by formula.
 *
 * Notation as in the spec: s = the 16-byte seed, int(b) = big-endian
 * integer, idx(b, n) = int(b) mod n with n the list's real length.
 */
#include "mask/providers.h"

#include "mask/date.h"
#include "mask/num.h"
#include "mask/text.h"

#include <string.h>

static const char *const names[PV_PROV_COUNT] = {
    [PV_PROV_FIRST_NAME] = "first_name",
    [PV_PROV_LAST_NAME] = "last_name",
    [PV_PROV_FULL_NAME] = "full_name",
    [PV_PROV_EMAIL] = "email",
    [PV_PROV_PHONE] = "phone",
    [PV_PROV_STREET] = "street",
    [PV_PROV_CITY] = "city",
    [PV_PROV_POSTCODE] = "postcode",
    [PV_PROV_COUNTRY] = "country",
    [PV_PROV_ADDRESS] = "address",
    [PV_PROV_DOB] = "dob",
    [PV_PROV_IP_ADDRESS] = "ip_address",
    [PV_PROV_SSN] = "ssn",
    [PV_PROV_CREDIT_CARD] = "credit_card",
    [PV_PROV_UUID] = "uuid",
    [PV_PROV_COMPANY] = "company",
    [PV_PROV_JOB_TITLE] = "job_title",
    [PV_PROV_USERNAME] = "username",
    [PV_PROV_PASSWORD] = "password",
};

int pv_provider_find(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < PV_PROV_COUNT; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

const char *pv_provider_name(pv_provider p)
{
    return p < PV_PROV_COUNT ? names[p] : "?";
}

/* ---------------------------------------------------------------- helpers */

/* idx(b, n) over the seed slice s[from:16]. */
static size_t idx(const uint8_t *s, size_t from, size_t n)
{
    return (size_t)pv_u128_mod(pv_u128_be(s + from, PV_SEED_LEN - from), n);
}

/* Appends LIB[idx(s[from:], len(LIB))]. */
static void pick(pv_buf *out, const pv_list *l, const uint8_t *s, size_t from)
{
    size_t i = idx(s, from, l->n);
    pv_buf_put(out, l->items[i], l->lens[i]);
}

static void put_padded(pv_buf *out, uint64_t v, size_t width)
{
    pv_buf_u128(out, v, width);
}

/* ---------------------------------------------------------------- providers */

static void gen_full_name(const pv_library *lib, const uint8_t *s, pv_buf *out)
{
    uint8_t rev[PV_SEED_LEN];
    for (size_t i = 0; i < PV_SEED_LEN; i++)
        rev[i] = s[PV_SEED_LEN - 1 - i];
    pick(out, pv_library_list(lib, PV_LIST_FIRST_NAMES), s, 0);
    pv_buf_putc(out, ' ');
    pick(out, pv_library_list(lib, PV_LIST_LAST_NAMES), rev, 0);
}

static void gen_email(const pv_library *lib, const uint8_t *s, const pv_provider_params *p,
                      pv_buf *out)
{
    pick(out, pv_library_list(lib, PV_LIST_EMAIL_LOCALS), s, 0);
    pv_buf_putc(out, '@');
    if (p && p->has_domain)
        pv_buf_put(out, p->domain, p->domain_len);
    else
        pick(out, pv_library_list(lib, PV_LIST_EMAIL_DOMAINS), s, 4);
}

/*
 * cc = the digits of `^\+?(\d{1,3})?` at the start of strip(v), copied as
 * written (Python's \d is any Unicode decimal digit); "1" when none.
 */
static void gen_phone(const uint8_t *s, const uint8_t *v, size_t len, pv_buf *out)
{
    size_t a, e;
    pv_text_strip(v, len, &a, &e);
    size_t i = a;
    if (i < e && v[i] == '+')
        i++;
    size_t cc = i;
    for (int k = 0; k < 3; k++) {
        size_t d = pv_text_digit_at(v, e, i);
        if (!d)
            break;
        i += d;
    }
    pv_buf_putc(out, '+');
    if (i > cc)
        pv_buf_put(out, v + cc, i - cc);
    else
        pv_buf_putc(out, '1');
    pv_buf_u128(out, pv_u128_mod(pv_u128_be(s, PV_SEED_LEN), 10000000000ULL), 10);
}

static void gen_address(const pv_library *lib, const uint8_t *s, pv_buf *out)
{
    pick(out, pv_library_list(lib, PV_LIST_STREETS), s, 0);
    pv_buf_put(out, ", ", 2);
    pick(out, pv_library_list(lib, PV_LIST_CITIES), s, 1);
    pv_buf_putc(out, ' ');
    pick(out, pv_library_list(lib, PV_LIST_POSTCODES), s, 2);
    pv_buf_put(out, ", ", 2);
    pick(out, pv_library_list(lib, PV_LIST_COUNTRIES), s, 3);
}

/* Python's floor division for a positive divisor. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

static void gen_dob(const uint8_t *s, const uint8_t *v, size_t len, pv_buf *out)
{
    size_t a, e;
    pv_text_strip(v, len, &a, &e);
    int64_t anchor;
    if (!pv_parse_iso_date(v + a, e - a, &anchor))
        pv_parse_iso_date((const uint8_t *)PV_DOB_ANCHOR, 10, &anchor);
    const int64_t ref = pv_days_from_civil(PV_DOB_REF_YEAR, 1, 1);
    int64_t age = floor_div(ref - anchor, 365);
    int64_t off = (int64_t)pv_u128_mod(pv_u128_be(s, PV_SEED_LEN), 11) - 5;
    int64_t fake_age = age + off > 0 ? age + off : 0;
    int64_t day = ref - (fake_age * 365 + s[0] % 365);
    /* Only an anchor in the first years AD gets here; Python would raise. */
    if (day < PV_DATE_MIN_DAYS)
        day = PV_DATE_MIN_DAYS;
    pv_buf_iso_date(out, day);
}

static void gen_ip(const uint8_t *s, pv_buf *out)
{
    static const char *const nets[3] = {"192.0.2", "198.51.100", "203.0.113"};
    pv_buf_puts(out, nets[idx(s, 0, 3)]);
    pv_buf_putc(out, '.');
    pv_buf_u64(out, (uint64_t)(s[0] % 254 + 1));
}

static void gen_ssn(pv_mask_library library, const uint8_t *s, pv_buf *out)
{
    uint64_t area, group, serial;
    uint64_t whole = pv_u128_mod(pv_u128_be(s, PV_SEED_LEN), 100);
    uint64_t tail = (uint64_t)pv_u128_be(s + 8, 8);
    if (library == PV_MASK_LIB_CLASSIC) {
        area = whole;
        group = s[4] % 100;
        serial = tail % 10000;
    } else {
        /* Area 9xx was never issued; groups 01–49 are outside every ITIN range. */
        area = 900 + whole;
        group = 1 + s[4] % 49;
        serial = 1 + tail % 9999;
    }
    put_padded(out, area, 3);
    pv_buf_putc(out, '-');
    put_padded(out, group, 2);
    pv_buf_putc(out, '-');
    put_padded(out, serial, 4);
}

/* Luhn check digit of `digits`: from the right, double positions 0, 2, 4, … */
static unsigned luhn_check(const uint8_t *digits, size_t n)
{
    unsigned sum = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned d = (unsigned)(digits[n - 1 - k] - '0');
        if (k % 2 == 0) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return (10 - sum % 10) % 10;
}

static void gen_credit_card(const pv_library *lib, const uint8_t *s, pv_buf *out)
{
    const pv_list *bins = pv_library_list(lib, PV_LIST_CREDIT_CARD_BINS);
    size_t b = idx(s, 0, bins->n);
    const char *bin = bins->items[b];
    size_t bin_len = bins->lens[b];
    size_t total = bin_len >= 2 && bin[0] == '3' && bin[1] == '7' ? 15 : 16;
    size_t body_len = total - bin_len - 1; /* the loader caps BINs at 13 digits */
    size_t start = out->len;
    pv_buf_put(out, bin, bin_len);
    if (body_len)
        pv_buf_u128(out, pv_u128_be(s + 2, 14) % pv_pow10_u128((unsigned)body_len), body_len);
    pv_buf_putc(out, (uint8_t)('0' + luhn_check(out->data + start, out->len - start)));
}

static void gen_uuid(const uint8_t *s, pv_buf *out)
{
    uint8_t b[PV_SEED_LEN];
    memcpy(b, s, sizeof(b));
    b[6] = (uint8_t)((b[6] & 0x0F) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3F) | 0x80);
    pv_buf_hex(out, b, 4);
    pv_buf_putc(out, '-');
    pv_buf_hex(out, b + 4, 2);
    pv_buf_putc(out, '-');
    pv_buf_hex(out, b + 6, 2);
    pv_buf_putc(out, '-');
    pv_buf_hex(out, b + 8, 2);
    pv_buf_putc(out, '-');
    pv_buf_hex(out, b + 10, 6);
}

int pv_provider_list(pv_provider p)
{
    switch (p) {
    case PV_PROV_FIRST_NAME:
        return PV_LIST_FIRST_NAMES;
    case PV_PROV_LAST_NAME:
        return PV_LIST_LAST_NAMES;
    case PV_PROV_STREET:
        return PV_LIST_STREETS;
    case PV_PROV_CITY:
        return PV_LIST_CITIES;
    case PV_PROV_POSTCODE:
        return PV_LIST_POSTCODES;
    case PV_PROV_COUNTRY:
        return PV_LIST_COUNTRIES;
    case PV_PROV_COMPANY:
        return PV_LIST_COMPANIES;
    case PV_PROV_JOB_TITLE:
        return PV_LIST_JOB_TITLES;
    case PV_PROV_USERNAME:
        return PV_LIST_USERNAMES;
    default:
        return -1;
    }
}

void pv_provider_generate(pv_provider p, pv_mask_library library, const pv_library *lib,
                          const uint8_t seed[PV_SEED_LEN], const uint8_t *v, size_t len,
                          const pv_provider_params *params, pv_buf *out)
{
    int list = pv_provider_list(p);
    if (list >= 0) {
        pick(out, pv_library_list(lib, (pv_list_id)list), seed, 0);
        return;
    }
    switch (p) {
    case PV_PROV_FULL_NAME:
        gen_full_name(lib, seed, out);
        break;
    case PV_PROV_EMAIL:
        gen_email(lib, seed, params, out);
        break;
    case PV_PROV_PHONE:
        gen_phone(seed, v, len, out);
        break;
    case PV_PROV_ADDRESS:
        gen_address(lib, seed, out);
        break;
    case PV_PROV_DOB:
        gen_dob(seed, v, len, out);
        break;
    case PV_PROV_IP_ADDRESS:
        gen_ip(seed, out);
        break;
    case PV_PROV_SSN:
        gen_ssn(library, seed, out);
        break;
    case PV_PROV_CREDIT_CARD:
        gen_credit_card(lib, seed, out);
        break;
    case PV_PROV_UUID:
        gen_uuid(seed, out);
        break;
    case PV_PROV_PASSWORD:
    default:
        pv_buf_puts(out, PV_PASSWORD_PLACEHOLDER);
        break;
    }
}
