/*
 * codec_text.c — the types whose wire form is (almost) their text: text,
 * varchar, bpchar, name, citext, enum labels, xml, json, jsonb (a version
 * byte + its canonical text); and bytea and uuid, whose text is hex.
 *
 * Encoders validate what the server would otherwise reject mid-COPY and
 * fail the whole unit over (masking.md §4.1): UTF-8 well-formedness, no NUL
 * byte, name length, JSON syntax. Label membership (enum) and XML
 * well-formedness stay the server's to check.
 */
#include "copy/codec_internal.h"

/* ------------------------------------------------------------ text family */

/* variant: what the CAST rendering changes */
enum { TEXT_PLAIN, TEXT_BPCHAR, TEXT_NAME };

#define NAMEDATALEN 64

static int text_decode(const pv_scalar_codec *c, const uint8_t *p, size_t n, pv_render how,
                       pv_buf *out)
{
    /* bpchar::text is rtrim1: trailing spaces (only spaces) go */
    if (c->variant == TEXT_BPCHAR && how == PV_RENDER_CAST)
        while (n > 0 && p[n - 1] == ' ')
            n--;
    pv_buf_put(out, p, n);
    return PV_C_OK;
}

static int text_encode(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out)
{
    if (!pv_utf8_valid((const uint8_t *)s, n))
        return PV_C_BADTEXT;
    if (c->variant == TEXT_NAME && n >= NAMEDATALEN)
        return PV_C_BADTEXT;
    pv_buf_put(out, s, n);
    return PV_C_OK;
}

/* ------------------------------------------------------------ json */

#define JSON_MAX_DEPTH 4096

typedef struct json_in {
    const char *s;
    size_t n;
    size_t i;
} json_in;

static void json_ws(json_in *j)
{
    while (j->i < j->n &&
           (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\n' || j->s[j->i] == '\r'))
        j->i++;
}

static bool json_literal(json_in *j, const char *word)
{
    size_t len = strlen(word);
    if (j->n - j->i < len || memcmp(j->s + j->i, word, len) != 0)
        return false;
    j->i += len;
    return true;
}

static bool json_string(json_in *j)
{
    j->i++; /* the opening quote */
    while (j->i < j->n) {
        unsigned char ch = (unsigned char)j->s[j->i++];
        if (ch == '"')
            return true;
        if (ch < 0x20)
            return false;
        if (ch != '\\')
            continue;
        if (j->i >= j->n)
            return false;
        char e = j->s[j->i++];
        if (e == 'u') {
            for (int k = 0; k < 4; k++)
                if (j->i >= j->n || pv_hex_digit(j->s[j->i++]) < 0)
                    return false;
        } else if (!strchr("\"\\/bfnrt", e) || e == '\0') {
            return false;
        }
    }
    return false;
}

static bool json_digits(json_in *j)
{
    size_t start = j->i;
    while (j->i < j->n && pv_is_digit(j->s[j->i]))
        j->i++;
    return j->i > start;
}

static bool json_number(json_in *j)
{
    if (j->s[j->i] == '-')
        j->i++;
    if (j->i < j->n && j->s[j->i] == '0')
        j->i++;
    else if (!json_digits(j))
        return false;
    if (j->i < j->n && j->s[j->i] == '.') {
        j->i++;
        if (!json_digits(j))
            return false;
    }
    if (j->i < j->n && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
        j->i++;
        if (j->i < j->n && (j->s[j->i] == '+' || j->s[j->i] == '-'))
            j->i++;
        if (!json_digits(j))
            return false;
    }
    return true;
}

static bool json_value(json_in *j, int depth);

static bool json_container(json_in *j, int depth, char close, bool object)
{
    if (depth >= JSON_MAX_DEPTH)
        return false;
    j->i++;
    json_ws(j);
    if (j->i < j->n && j->s[j->i] == close) {
        j->i++;
        return true;
    }
    for (;;) {
        if (object) {
            json_ws(j);
            if (j->i >= j->n || j->s[j->i] != '"' || !json_string(j))
                return false;
            json_ws(j);
            if (j->i >= j->n || j->s[j->i++] != ':')
                return false;
        }
        if (!json_value(j, depth + 1))
            return false;
        json_ws(j);
        if (j->i >= j->n)
            return false;
        char ch = j->s[j->i++];
        if (ch == close)
            return true;
        if (ch != ',')
            return false;
    }
}

static bool json_value(json_in *j, int depth)
{
    json_ws(j);
    if (j->i >= j->n)
        return false;
    switch (j->s[j->i]) {
    case '{':
        return json_container(j, depth, '}', true);
    case '[':
        return json_container(j, depth, ']', false);
    case '"':
        return json_string(j);
    case 't':
        return json_literal(j, "true");
    case 'f':
        return json_literal(j, "false");
    case 'n':
        return json_literal(j, "null");
    default:
        return json_number(j);
    }
}

/* RFC 8259 syntax, as PostgreSQL's json lexer accepts it. */
static bool json_valid(const char *s, size_t n)
{
    if (!pv_utf8_valid((const uint8_t *)s, n))
        return false;
    json_in j = {s, n, 0};
    if (!json_value(&j, 0))
        return false;
    json_ws(&j);
    return j.i == n;
}

static int json_encode(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out)
{
    if (!json_valid(s, n))
        return PV_C_BADTEXT;
    pv_buf_put(out, s, n);
    return PV_C_OK;
}

/* jsonb_send: version 1, then the canonical text (jsonb_out) */
static int jsonb_decode(const pv_scalar_codec *c, const uint8_t *p, size_t n, pv_render how,
                        pv_buf *out)
{
    if (n < 1 || p[0] != 1)
        return PV_C_BADBIN;
    pv_buf_put(out, p + 1, n - 1);
    return PV_C_OK;
}

static int jsonb_encode(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out)
{
    if (!json_valid(s, n))
        return PV_C_BADTEXT;
    pv_buf_putc(out, 1);
    pv_buf_put(out, s, n);
    return PV_C_OK;
}

/* ------------------------------------------------------------ bytea */

static const char HEX[] = "0123456789abcdef";

/* bytea_output=hex: "\x" and two lowercase digits per byte, in every rendering */
static int bytea_decode(const pv_scalar_codec *c, const uint8_t *p, size_t n, pv_render how,
                        pv_buf *out)
{
    pv_buf_reserve(out, 2 + 2 * n);
    uint8_t *w = out->data + out->len;
    *w++ = '\\';
    *w++ = 'x';
    for (size_t i = 0; i < n; i++) {
        *w++ = (uint8_t)HEX[p[i] >> 4];
        *w++ = (uint8_t)HEX[p[i] & 15];
    }
    out->len += 2 + 2 * n;
    return PV_C_OK;
}

/* masking.md §4.1: optional \x, then hex pairs; whitespace between pairs. */
static int bytea_encode(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out)
{
    size_t i = 0;
    if (n >= 2 && s[0] == '\\' && (s[1] == 'x' || s[1] == 'X'))
        i = 2;
    size_t start = out->len;
    while (i < n) {
        if (pv_is_space(s[i])) {
            i++;
            continue;
        }
        int hi = pv_hex_digit(s[i]);
        int lo = i + 1 < n ? pv_hex_digit(s[i + 1]) : -1;
        if (hi < 0 || lo < 0) {
            out->len = start;
            return PV_C_BADTEXT;
        }
        pv_buf_putc(out, (uint8_t)(hi << 4 | lo));
        i += 2;
    }
    return PV_C_OK;
}

/* ------------------------------------------------------------ uuid */

static int uuid_decode(const pv_scalar_codec *c, const uint8_t *p, size_t n, pv_render how,
                       pv_buf *out)
{
    if (n != 16)
        return PV_C_BADBIN;
    pv_buf_reserve(out, 36);
    uint8_t *w = out->data + out->len;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *w++ = '-';
        *w++ = (uint8_t)HEX[p[i] >> 4];
        *w++ = (uint8_t)HEX[p[i] & 15];
    }
    out->len += 36;
    return PV_C_OK;
}

/*
 * 32 hex digits in any case; a hyphen may follow any group of four
 * (uuid_in); optionally in braces or after "urn:uuid:" (masking.md §4.1).
 */
static int uuid_encode(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out)
{
    pv_trim(&s, &n);
    if (n >= 9 && pv_word_eq(s, 9, "urn:uuid:")) {
        s += 9;
        n -= 9;
    } else if (n >= 2 && s[0] == '{' && s[n - 1] == '}') {
        s++;
        n -= 2;
    }
    uint8_t bytes[16];
    size_t i = 0;
    for (int b = 0; b < 16; b++) {
        int hi = i < n ? pv_hex_digit(s[i]) : -1;
        int lo = i + 1 < n ? pv_hex_digit(s[i + 1]) : -1;
        if (hi < 0 || lo < 0)
            return PV_C_BADTEXT;
        bytes[b] = (uint8_t)(hi << 4 | lo);
        i += 2;
        if (i < n && s[i] == '-' && b % 2 == 1 && b < 15)
            i++;
    }
    if (i != n)
        return PV_C_BADTEXT;
    pv_buf_put(out, bytes, 16);
    return PV_C_OK;
}

/* ------------------------------------------------------------ table */

const pv_scalar_codec pv_sc_text = {"text",          25,        1009, text_decode, text_encode,
                                    PV_VERBATIM_ALL, TEXT_PLAIN};
const pv_scalar_codec pv_sc_varchar = {"varchar",       1043,      1015, text_decode, text_encode,
                                       PV_VERBATIM_ALL, TEXT_PLAIN};
const pv_scalar_codec pv_sc_bpchar = {
    "bpchar",   1042, 1014, text_decode, text_encode, PV_VERBATIM_OUTPUT | PV_VERBATIM_MASK,
    TEXT_BPCHAR};
const pv_scalar_codec pv_sc_name = {"name",          19,       1003, text_decode, text_encode,
                                    PV_VERBATIM_ALL, TEXT_NAME};
const pv_scalar_codec pv_sc_citext = {"citext",        0,         0, text_decode, text_encode,
                                      PV_VERBATIM_ALL, TEXT_PLAIN};
const pv_scalar_codec pv_sc_enum = {"enum",          0,         0, text_decode, text_encode,
                                    PV_VERBATIM_ALL, TEXT_PLAIN};
const pv_scalar_codec pv_sc_xml = {"xml",           142,       143, text_decode, text_encode,
                                   PV_VERBATIM_ALL, TEXT_PLAIN};
const pv_scalar_codec pv_sc_json = {"json",          114,       199, text_decode, json_encode,
                                    PV_VERBATIM_ALL, TEXT_PLAIN};
const pv_scalar_codec pv_sc_jsonb = {"jsonb", 3802, 3807, jsonb_decode, jsonb_encode, 0, 0};
const pv_scalar_codec pv_sc_bytea = {"bytea", 17, 1001, bytea_decode, bytea_encode, 0, 0};
const pv_scalar_codec pv_sc_uuid = {"uuid", 2950, 2951, uuid_decode, uuid_encode, 0, 0};
