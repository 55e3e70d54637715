/*
 * mask_cost — per-action cost of the stream's masker (bench/README.md,
 * "Per-action cost").
 *
 *   mask_cost [-n CELLS] [-r REPS] [--show] [--users-only]
 *
 * For each action/type pair below, builds a one-column masker with
 * pv_masker_new (binary COPY mode, the `standard` library, a fixed salt and
 * pseudonym key) and times pv_masker_tuple over CELLS distinct inputs
 * (default 1,000,000) generated in memory beforehand, in the binary COPY
 * cell encoding: text = the UTF-8 bytes, int8 = 8 bytes big-endian, date =
 * int32 days since 2000-01-01 big-endian. Each pair is timed REPS times
 * (default 3) with CLOCK_MONOTONIC over the whole loop; the table gives the
 * median in ns per cell and every repetition. Nothing is subtracted: the
 * passthrough row (a raw copy of the cell) is the baseline, reported on its
 * own.
 *
 * Two more rows time whole tuples of the 10-column users layout of
 * bench/dataset.sql, with the values its generator produces (40 first
 * names, 41 last names, so the memo hits there): all columns passed
 * through, then email, first_name, last_name, phone and dob masked as in
 * bench/run.sh's `privaci_masked` run. Those use min(CELLS, 100,000)
 * distinct rows, cycled up to CELLS tuples.
 *
 * The output buffer is reset whenever it holds more than 1 MiB, as the
 * stream hands a full block to its writer. --users-only times the users
 * tuples alone (for profiling them with perf). --show prints the first output
 * cell of each pair (stderr), to eyeball that the action ran. Markdown on
 * stdout; exit 1 on any error.
 */
#include "config/regex.h"
#include "copy/codec.h"
#include "copy/copy.h"
#include "mask/date.h"
#include "stream/masker.h"
#include "util/buf.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OID_INT8 20
#define OID_TEXT 25
#define OID_DATE 1082

/* Fixed secrets, 42 characters each: the figures do not depend on them. */
static const char SALT[] = "mask-cost-bench-salt-0123456789abcdefghijk";
static const char KEY[] = "mask-cost-bench-key-0123456789abcdefghijkl";
static_assert(sizeof(SALT) - 1 == 42 && sizeof(KEY) - 1 == 42, "42-character secrets");

static const pv_type_info TYPE_TEXT = {OID_TEXT, 'b', "text", 0, 0, 0, NULL, true, NULL, 0};
static const pv_type_info TYPE_INT8 = {OID_INT8, 'b', "int8", 0, 0, 0, NULL, true, NULL, 0};
static const pv_type_info TYPE_DATE = {OID_DATE, 'b', "date", 0, 0, 0, NULL, true, NULL, 0};

/* Days from 1970-01-01 to 2000-01-01 (the PostgreSQL date epoch). */
#define PG_EPOCH_DAYS 10957
/* 1940-01-01 in PostgreSQL days, and the days up to 2008-12-31 inclusive. */
#define DOB_FIRST (-21915)
#define DOB_SPAN  25203

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "mask_cost: out of memory\n");
        exit(1);
    }
    return p;
}

static void die_err(const char *what, pv_error *err)
{
    fprintf(stderr, "mask_cost: %s: %s\n", what, err ? err->cause : "failed");
    exit(1);
}

/* ------------------------------------------------------------ inputs */

/* n cells whose bytes live in one arena. */
typedef struct inputs {
    const char *what; /* for the table, e.g. "emails, ~32 B" */
    pv_cell *cells;
    pv_buf arena;    /* the tuples in binary COPY layout, one after the other */
    size_t *row_off; /* tuple r is arena[row_off[r], row_off[r + 1]) */
    size_t n;
    int ncols; /* cells per tuple */
} inputs;

typedef void (*gen_fn)(uint64_t i, pv_buf *b);

static void inputs_free(inputs *in)
{
    free(in->cells);
    free(in->row_off);
    pv_buf_free(&in->arena);
    memset(in, 0, sizeof(*in));
}

/* Generates n one-cell tuples; cell data pointers are fixed up afterwards. */
static void inputs_make(inputs *in, const char *what, size_t n, gen_fn gen)
{
    in->what = what;
    in->n = n;
    in->ncols = 1;
    in->cells = xmalloc(n * sizeof(*in->cells));
    in->arena = (pv_buf)PV_BUF_INIT;
    in->row_off = xmalloc((n + 1) * sizeof(*in->row_off));
    size_t *off = xmalloc(n * sizeof(*off));
    for (size_t i = 0; i < n; i++) {
        in->row_off[i] = in->arena.len;
        pv_buf_be16(&in->arena, 1);
        size_t word = in->arena.len;
        pv_buf_be32(&in->arena, 0);
        off[i] = in->arena.len;
        gen(i + 1, &in->arena);
        in->cells[i].len = (int32_t)(in->arena.len - off[i]);
        pv_put_be32(in->arena.data + word, (uint32_t)in->cells[i].len);
    }
    in->row_off[n] = in->arena.len;
    for (size_t i = 0; i < n; i++)
        in->cells[i].data = in->arena.data + off[i];
    free(off);
}

static double avg_len(const inputs *in)
{
    uint64_t total = 0, cells = 0;
    for (size_t i = 0; i < in->n * (size_t)in->ncols; i++)
        if (in->cells[i].len != PV_CELL_NULL) {
            total += (uint64_t)in->cells[i].len;
            cells++;
        }
    return cells ? (double)total / (double)cells : 0;
}

/* Distinct made-up names: i written in base 32 with two-letter syllables. */
static void syllable_name(uint64_t i, const char *const *syl, pv_buf *b)
{
    /* A bijective scramble of i's low 20 bits, so neighbours look unrelated. */
    const uint64_t low = (1u << 20) - 1;
    uint64_t x = (i & ~low) | ((i * 0x9E3B5u) & low);
    size_t start = b->len;
    int k = 0;
    do {
        pv_buf_puts(b, syl[x % 32]);
        x /= 32;
        k++;
    } while (x || k < 3);
    b->data[start] = (uint8_t)(b->data[start] - 'a' + 'A');
}

static const char *const FIRST_SYL[32] = {
    "ka", "mi", "ro", "sa", "le", "na", "to", "ri", "an", "el", "is", "or", "va", "de", "lu", "ne",
    "jo", "ha", "be", "li", "ma", "ti", "so", "ra", "ev", "ol", "ia", "em", "no", "ze", "ca", "ly"};
static const char *const LAST_SYL[32] = {"ba",  "ker",  "son", "mo", "ter", "ham", "wel", "lin",
                                         "gar", "ci",   "do",  "ne", "ro",  "vic", "ley", "hart",
                                         "ton", "man",  "ers", "pe", "ri",  "go",  "ld",  "ster",
                                         "win", "ford", "al",  "le", "by",  "sh",  "en",  "ko"};

static void gen_first(uint64_t i, pv_buf *b)
{
    syllable_name(i, FIRST_SYL, b);
}

static void gen_last(uint64_t i, pv_buf *b)
{
    syllable_name(i * 7 + 3, LAST_SYL, b);
}

static void gen_full(uint64_t i, pv_buf *b)
{
    gen_first(i, b);
    pv_buf_putc(b, ' ');
    gen_last(i, b);
}

static void lower_name(uint64_t i, gen_fn gen, pv_buf *b)
{
    size_t start = b->len;
    gen(i, b);
    b->data[start] = (uint8_t)(b->data[start] - 'A' + 'a');
}

static void gen_email(uint64_t i, pv_buf *b)
{
    static const char *const tld[4] = {"com", "org", "net", "io"};
    char tail[48];
    lower_name(i, gen_first, b);
    pv_buf_putc(b, '.');
    lower_name(i, gen_last, b);
    snprintf(tail, sizeof(tail), "%" PRIu64 "@example.%s", i % 1000, tld[i % 4]);
    pv_buf_puts(b, tail);
}

/* +1-AAA-555-NNNN, distinct for i below 8,000,000 (7919 is prime to 8e6). */
static void phone_text(uint64_t i, char out[32])
{
    uint64_t k = (i * 7919) % 8000000;
    snprintf(out, 32, "+1-%03u-555-%04u", (unsigned)(200 + k / 10000), (unsigned)(k % 10000));
}

static void gen_phone(uint64_t i, pv_buf *b)
{
    char p[32];
    phone_text(i, p);
    pv_buf_puts(b, p);
}

/* A birth date 1940-01-01 … 2008-12-31, in PostgreSQL days. */
static int32_t dob_days(uint64_t i)
{
    return (int32_t)(DOB_FIRST + (int64_t)((i * 104729) % DOB_SPAN));
}

static void gen_dob_date(uint64_t i, pv_buf *b)
{
    pv_buf_be32(b, (uint32_t)dob_days(i));
}

static void gen_dob_text(uint64_t i, pv_buf *b)
{
    pv_buf_iso_date(b, (int64_t)dob_days(i) + PG_EPOCH_DAYS);
}

/* Distinct days from 0084 to 5560 AD, two apart: every memo lookup misses. */
static void gen_date_distinct(uint64_t i, pv_buf *b)
{
    pv_buf_be32(b, (uint32_t)(int32_t)(-700000 + 2 * (int64_t)(i % 1000000)));
}

static void gen_int8(uint64_t i, pv_buf *b)
{
    pv_buf_be64(b, 10000000 + i * 7919); /* customer-number-like, distinct */
}

/* ~60 characters of free text with a name and a phone number in it. */
static void gen_sentence(uint64_t i, pv_buf *b)
{
    static const char *const verb[4] = {"Call", "Email", "Ask", "Remind"};
    char p[32], tail[64];
    pv_buf_puts(b, verb[i % 4]);
    pv_buf_putc(b, ' ');
    gen_first(i, b);
    pv_buf_putc(b, ' ');
    gen_last(i, b);
    phone_text(i, p);
    snprintf(tail, sizeof(tail), " at %s about order #%06" PRIu64 ".", p, i % 1000000);
    pv_buf_puts(b, tail);
}

/* ------------------------------------------------------------ users rows */

/* The users layout of bench/dataset.sql, its values computed the same way. */
enum { U_ID, U_EMAIL, U_FIRST, U_LAST, U_PHONE, U_DOB, U_CREATED, U_UPDATED, U_BALANCE, U_ACTIVE };
#define U_NCOLS 10

static const char *const DS_FIRST[40] = {
    "Olivia",   "Liam",  "Emma",    "Noah",  "Ava",    "Elijah",  "Sophia", "James",
    "Isabella", "Lucas", "Mia",     "Mateo", "Amelia", "Ethan",   "Harper", "Mason",
    "Evelyn",   "Logan", "Abigail", "Aiden", "Emily",  "Jackson", "Ella",   "Sebastian",
    "Scarlett", "Jack",  "Grace",   "Owen",  "Chloe",  "Samuel",  "Nora",   "Henry",
    "Lily",     "Wyatt", "Hannah",  "Leo",   "Zoe",    "Julian",  "Layla",  "Ezra"};
static const char *const DS_LAST[41] = {
    "Smith",    "Johnson",   "Williams", "Brown",     "Jones",   "Garcia",   "Miller",
    "Davis",    "Rodriguez", "Martinez", "Hernandez", "Lopez",   "Gonzalez", "Wilson",
    "Anderson", "Thomas",    "Taylor",   "Moore",     "Jackson", "Martin",   "Lee",
    "Perez",    "Thompson",  "White",    "Harris",    "Sanchez", "Clark",    "Ramirez",
    "Lewis",    "Robinson",  "Walker",   "Young",     "Allen",   "King",     "Wright",
    "Scott",    "Torres",    "Nguyen",   "Hill",      "Flores",  "Green"};

static void put_lower(pv_buf *b, const char *s)
{
    for (; *s; s++)
        pv_buf_putc(b, (uint8_t)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s));
}

/* numeric_send of cents/100 with dscale 2. */
static void put_numeric_cents(pv_buf *b, int64_t cents)
{
    uint16_t digits[8];
    int nd = 0;
    uint16_t sign = cents < 0 ? 0x4000 : 0;
    uint64_t a = (uint64_t)(cents < 0 ? -cents : cents);
    uint64_t ip = a / 100;
    uint16_t frac = (uint16_t)(a % 100 * 100);
    uint16_t intd[8];
    int ni = 0;
    for (; ip; ip /= 10000)
        intd[ni++] = (uint16_t)(ip % 10000);
    for (int k = ni - 1; k >= 0; k--)
        digits[nd++] = intd[k];
    int16_t weight = (int16_t)(ni - 1);
    if (frac)
        digits[nd++] = frac;
    while (nd > 0 && digits[nd - 1] == 0)
        nd--;
    int lead = 0;
    while (lead < nd && digits[lead] == 0) {
        lead++;
        weight--;
    }
    if (nd == lead)
        weight = 0;
    pv_buf_be16(b, (uint16_t)(nd - lead));
    pv_buf_be16(b, (uint16_t)weight);
    pv_buf_be16(b, sign);
    pv_buf_be16(b, 2);
    for (int k = lead; k < nd; k++)
        pv_buf_be16(b, digits[k]);
}

static void inputs_users(inputs *in, size_t n)
{
    in->what = "dataset.sql rows";
    in->n = n;
    in->ncols = U_NCOLS;
    in->cells = xmalloc(n * U_NCOLS * sizeof(*in->cells));
    in->arena = (pv_buf)PV_BUF_INIT;
    size_t *off = xmalloc(n * U_NCOLS * sizeof(*off));
    in->row_off = xmalloc((n + 1) * sizeof(*in->row_off));
    /* 2015-01-01 in µs since 2000-01-01. */
    const int64_t base = (int64_t)5479 * 86400 * 1000000;
    for (size_t r = 0; r < n; r++) {
        uint64_t i = r + 1;
        const char *f = DS_FIRST[(i * 7) % 40], *l = DS_LAST[(i * 13) % 41];
        int64_t created = base + (int64_t)((i * 7919) % 300000000) * 1000000;
        pv_buf *b = &in->arena;
        pv_cell *c = &in->cells[r * U_NCOLS];
        size_t *o = &off[r * U_NCOLS];
        in->row_off[r] = b->len;
        pv_buf_be16(b, U_NCOLS);
        for (int k = 0; k < U_NCOLS; k++) {
            size_t word = b->len;
            pv_buf_be32(b, 0);
            o[k] = b->len;
            switch (k) {
            case U_ID:
                pv_buf_be64(b, i);
                break;
            case U_EMAIL: {
                static const char *const tld[4] = {"com", "org", "net", "io"};
                char t[40];
                put_lower(b, f);
                pv_buf_putc(b, '.');
                put_lower(b, l);
                snprintf(t, sizeof(t), "%" PRIu64 "@example.%s", i, tld[i % 4]);
                pv_buf_puts(b, t);
                break;
            }
            case U_FIRST:
                pv_buf_puts(b, f);
                break;
            case U_LAST:
                pv_buf_puts(b, l);
                break;
            case U_PHONE:
                if (i % 10 != 0) {
                    char t[32];
                    snprintf(t, sizeof(t), "+1-%03u-555-%04u", (unsigned)(200 + i % 800),
                             (unsigned)((i * 7919) % 10000));
                    pv_buf_puts(b, t);
                }
                break;
            case U_DOB:
                if (i % 25 != 3)
                    pv_buf_be32(b, (uint32_t)dob_days(i));
                break;
            case U_CREATED:
                pv_buf_be64(b, (uint64_t)created);
                break;
            case U_UPDATED:
                pv_buf_be64(b, (uint64_t)(created + (int64_t)((i * 31) % 40000000) * 1000000));
                break;
            case U_BALANCE:
                put_numeric_cents(b, (int64_t)((i * 2654435761u) % 2000000000) - 500000000);
                break;
            case U_ACTIVE:
                pv_buf_putc(b, i % 7 != 0);
                break;
            }
            c[k].len = (int32_t)(b->len - o[k]);
            if ((k == U_PHONE && i % 10 == 0) || (k == U_DOB && i % 25 == 3))
                c[k].len = PV_CELL_NULL;
            pv_put_be32(b->data + word, (uint32_t)c[k].len);
        }
    }
    in->row_off[n] = in->arena.len;
    for (size_t k = 0; k < n * U_NCOLS; k++)
        in->cells[k].data = in->arena.data + off[k];
    free(off);
}

/* ------------------------------------------------------------ cases */

typedef struct spec_def {
    pv_action_kind kind;
    const char *provider;
    const pv_type_info *type;
    const char *declared;
    bool unique, fpe;
    pv_hmac_encoding encoding;
} spec_def;

typedef struct result {
    double ns[16]; /* per repetition */
    double out_bytes;
} result;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    double s[16];
    memcpy(s, v, (size_t)n * sizeof(*s));
    qsort(s, (size_t)n, sizeof(*s), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static bool show;

/* The first output cell of a one-column tuple, for --show. */
static void show_first(const char *label, const pv_buf *out, const pv_type_info *type)
{
    if (out->len < 6)
        return;
    int32_t len = (int32_t)pv_be32(out->data + 2);
    const uint8_t *p = out->data + 6;
    fprintf(stderr, "  %-34s ", label);
    if (len < 0) {
        fprintf(stderr, "NULL\n");
        return;
    }
    pv_codec codec;
    pv_buf text = PV_BUF_INIT;
    pv_error *err = NULL;
    if (type && pv_codec_for_type(type, &codec) &&
        !(err = pv_codec_decode(&codec, PV_RENDER_OUTPUT, p, (size_t)len, &text)))
        fprintf(stderr, "%.*s\n", (int)text.len, (const char *)text.data);
    else
        fprintf(stderr, "(%d bytes)\n", len);
    pv_error_free(err);
    pv_buf_free(&text);
}

/*
 * Times `total` tuples of `in` (cycled) through a masker over specs[0..ncols),
 * reps times; out_bytes = output bytes per tuple.
 */
static void run_case(const char *label, const pv_mask_spec *const *specs, const inputs *in,
                     size_t total, int reps, result *res)
{
    static const pv_mask_secrets secrets = {SALT, KEY, PV_LIBRARY_STANDARD};
    pv_masker *m;
    pv_error *err = pv_masker_new(specs, in->ncols, &secrets, false, &m);
    if (err)
        die_err(label, err);
    pv_buf out = PV_BUF_INIT;
    pv_buf_reserve(&out, (1u << 20) + 65536);
    pv_copy_tuple t = {NULL, 0, NULL, in->ncols};
    for (int r = 0; r < reps; r++) {
        uint64_t bytes = 0;
        pv_buf_reset(&out);
        double t0 = now_ns();
        for (size_t k = 0, j = 0; k < total; k++) {
            t.cells = &in->cells[j * (size_t)in->ncols];
            t.raw = in->arena.data + in->row_off[j];
            t.raw_len = in->row_off[j + 1] - in->row_off[j];
            if (++j == in->n)
                j = 0;
            err = pv_masker_tuple(m, &t, &out);
            if (err)
                die_err(label, err);
            if (out.len > (1u << 20)) {
                bytes += out.len;
                pv_buf_reset(&out);
            }
        }
        res->ns[r] = (now_ns() - t0) / (double)total;
        bytes += out.len;
        res->out_bytes = (double)bytes / (double)total - 2; /* minus the field count */
        if (r == 0 && show && in->ncols == 1) {
            pv_buf_reset(&out);
            t.cells = &in->cells[0];
            t.raw = in->arena.data;
            t.raw_len = in->row_off[1];
            if (!pv_masker_tuple(m, &t, &out))
                show_first(label, &out, specs[0] ? specs[0]->type : &TYPE_TEXT);
        }
    }
    pv_buf_free(&out);
    pv_masker_free(m);
}

static void fill_spec(pv_mask_spec *s, pv_action *a, const spec_def *d, const char *path)
{
    memset(a, 0, sizeof(*a));
    a->kind = d->kind;
    a->provider = (char *)d->provider;
    a->encoding = d->encoding;
    *s = (pv_mask_spec){
        .kind = d->kind,
        .action = d->kind == PV_ACT_NULL ? NULL : a,
        .column_path = path,
        .hash_path = d->kind == PV_ACT_NULL ? NULL : path,
        .provider = d->provider,
        .unique = d->unique,
        .fpe = d->fpe,
        .type = d->type,
        .declared_type = d->declared,
    };
}

static void runs_text(const result *res, int reps, char *buf, size_t size)
{
    size_t n = 0;
    for (int r = 0; r < reps && n < size; r++)
        n += (size_t)snprintf(buf + n, size - n, "%s%.1f", r ? " / " : "", res->ns[r]);
}

typedef struct action_case {
    const char *action; /* table text */
    const char *type;
    spec_def def;   /* kind PV_ACT_PASSTHROUGH: no masking */
    int input;      /* index into the input sets */
    const char *re; /* regex_mask pattern */
} action_case;

enum {
    IN_EMAIL,
    IN_FIRST,
    IN_LAST,
    IN_FULL,
    IN_PHONE,
    IN_DOB_DATE,
    IN_DOB_TEXT,
    IN_DATE_DISTINCT,
    IN_INT8,
    IN_TEXT60
};

static const struct {
    const char *what;
    gen_fn gen;
} INPUT_SETS[] = {
    [IN_EMAIL] = {"distinct emails", gen_email},
    [IN_FIRST] = {"distinct first names", gen_first},
    [IN_LAST] = {"distinct last names", gen_last},
    [IN_FULL] = {"distinct full names", gen_full},
    [IN_PHONE] = {"distinct phone numbers", gen_phone},
    [IN_DOB_DATE] = {"dates 1940–2008 (25,203 values)", gen_dob_date},
    [IN_DOB_TEXT] = {"`YYYY-MM-DD` 1940–2008 (25,203 values)", gen_dob_text},
    [IN_DATE_DISTINCT] = {"distinct dates 0084–5560 (no memo hit)", gen_date_distinct},
    [IN_INT8] = {"distinct ids", gen_int8},
    [IN_TEXT60] = {"distinct sentences naming a person and a phone", gen_sentence},
};

#define T_TEXT        &TYPE_TEXT, "text"
#define T_INT8        &TYPE_INT8, "bigint"
#define T_DATE        &TYPE_DATE, "date"
#define REGEX_PATTERN "\\+?\\d[\\d ()-]{6,}\\d|\\b[A-Z][a-z]+\\b"

/* Grouped by input set: each set is generated once, used, freed. */
static const action_case CASES[] = {
    {"passthrough (raw copy)", "text", {PV_ACT_PASSTHROUGH, NULL, T_TEXT, 0, 0, 0}, IN_EMAIL, 0},
    {"null", "text", {PV_ACT_NULL, NULL, T_TEXT, 0, 0, 0}, IN_EMAIL, 0},
    {"static `redacted`", "text", {PV_ACT_STATIC, NULL, T_TEXT, 0, 0, 0}, IN_EMAIL, 0},
    {"fake email", "text", {PV_ACT_FAKE, "email", T_TEXT, 0, 0, 0}, IN_EMAIL, 0},
    {"fake email, unique (§9.1 suffix)",
     "text",
     {PV_ACT_FAKE, "email", T_TEXT, 1, 0, 0},
     IN_EMAIL,
     0},
    {"hash", "text", {PV_ACT_HASH, NULL, T_TEXT, 0, 0, 0}, IN_EMAIL, 0},
    {"hmac_hash, hex", "text", {PV_ACT_HMAC_HASH, NULL, T_TEXT, 0, 0, PV_HMAC_HEX}, IN_EMAIL, 0},
    {"pseudonym email", "text", {PV_ACT_PSEUDONYM, "email", T_TEXT, 0, 0, 0}, IN_EMAIL, 0},
    {"fake first_name", "text", {PV_ACT_FAKE, "first_name", T_TEXT, 0, 0, 0}, IN_FIRST, 0},
    {"fake last_name", "text", {PV_ACT_FAKE, "last_name", T_TEXT, 0, 0, 0}, IN_LAST, 0},
    {"fake full_name", "text", {PV_ACT_FAKE, "full_name", T_TEXT, 0, 0, 0}, IN_FULL, 0},
    {"fake phone", "text", {PV_ACT_FAKE, "phone", T_TEXT, 0, 0, 0}, IN_PHONE, 0},
    {"fake dob", "date", {PV_ACT_FAKE, "dob", T_DATE, 0, 0, 0}, IN_DOB_DATE, 0},
    {"fake dob", "text", {PV_ACT_FAKE, "dob", T_TEXT, 0, 0, 0}, IN_DOB_TEXT, 0},
    {"fake dob", "date", {PV_ACT_FAKE, "dob", T_DATE, 0, 0, 0}, IN_DATE_DISTINCT, 0},
    {"hash", "int8", {PV_ACT_HASH, NULL, T_INT8, 0, 0, 0}, IN_INT8, 0},
    {"hash, unique (§9.2 permutation)", "int8", {PV_ACT_HASH, NULL, T_INT8, 1, 1, 0}, IN_INT8, 0},
    {"regex_mask (demo's name/phone pattern)",
     "text",
     {PV_ACT_REGEX_MASK, NULL, T_TEXT, 0, 0, 0},
     IN_TEXT60,
     REGEX_PATTERN},
};
#define N_CASES (sizeof(CASES) / sizeof(CASES[0]))

static size_t parse_count(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*end || v < 1 || v > 1e9) {
        fprintf(stderr, "mask_cost: bad count %s\n", s);
        exit(2);
    }
    return (size_t)v;
}

int main(int argc, char **argv)
{
    size_t n = 1000000;
    int reps = 3;
    bool users_only = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            n = parse_count(argv[++i]);
        else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
            reps = (int)parse_count(argv[++i]);
        else if (strcmp(argv[i], "--show") == 0)
            show = true;
        else if (strcmp(argv[i], "--users-only") == 0)
            users_only = true;
        else {
            fprintf(stderr,
                    "usage: mask_cost [-n CELLS] [-r REPS (1-16)] [--show] [--users-only]\n");
            return 2;
        }
    }
    if (reps > 16)
        reps = 16;

    if (!users_only) {
        printf("%zu cells per action, %d repetition%s; output B/cell = wire bytes including the "
               "4-byte length.\n\n",
               n, reps, reps == 1 ? "" : "s");
        printf("| action | column type | inputs, average size | ns/cell (median) "
               "| runs, ns/cell | output B/cell |\n");
        printf("|---|---|---|---:|---|---:|\n");
    }
    char runs[160];
    inputs in = {0};
    int have = -1;
    for (size_t c = 0; c < (users_only ? 0 : N_CASES); c++) {
        const action_case *ac = &CASES[c];
        if (ac->input != have) {
            inputs_free(&in);
            inputs_make(&in, INPUT_SETS[ac->input].what, n, INPUT_SETS[ac->input].gen);
            have = ac->input;
        }
        pv_action a;
        pv_mask_spec s;
        fill_spec(&s, &a, &ac->def, "public.bench.c");
        if (ac->re) {
            a.pattern = (char *)ac->re;
            a.replace = "[redacted]";
            a.pcre2_opts = PV_REGEX_DEFAULT_OPTS;
        }
        if (ac->def.kind == PV_ACT_STATIC)
            a.value = "redacted";
        const pv_mask_spec *specs[1] = {ac->def.kind == PV_ACT_PASSTHROUGH ? NULL : &s};
        result res = {0};
        char label[96];
        snprintf(label, sizeof(label), "%s (%s)", ac->action, ac->type);
        run_case(label, specs, &in, n, reps, &res);
        runs_text(&res, reps, runs, sizeof(runs));
        printf("| %s | %s | %s, %.1f B | %.1f | %s | %.1f |\n", ac->action, ac->type, in.what,
               avg_len(&in), median(res.ns, reps), runs, res.out_bytes);
        fflush(stdout);
    }
    inputs_free(&in);

    /* Whole users tuples: passthrough, then the five columns of privaci_masked. */
    size_t rows = n < 100000 ? n : 100000;
    inputs_users(&in, rows);
    static const spec_def users_defs[U_NCOLS] = {
        [U_EMAIL] = {PV_ACT_FAKE, "email", T_TEXT, 0, 0, 0},
        [U_FIRST] = {PV_ACT_FAKE, "first_name", T_TEXT, 0, 0, 0},
        [U_LAST] = {PV_ACT_FAKE, "last_name", T_TEXT, 0, 0, 0},
        [U_PHONE] = {PV_ACT_FAKE, "phone", T_TEXT, 0, 0, 0},
        [U_DOB] = {PV_ACT_FAKE, "dob", T_DATE, 0, 0, 0},
    };
    static const char *const users_paths[U_NCOLS] = {[U_EMAIL] = "public.users.email",
                                                     [U_FIRST] = "public.users.first_name",
                                                     [U_LAST] = "public.users.last_name",
                                                     [U_PHONE] = "public.users.phone",
                                                     [U_DOB] = "public.users.dob"};
    pv_action ua[U_NCOLS];
    pv_mask_spec us[U_NCOLS];
    const pv_mask_spec *none[U_NCOLS] = {0}, *masked[U_NCOLS] = {0};
    for (int k = 0; k < U_NCOLS; k++)
        if (users_paths[k]) {
            fill_spec(&us[k], &ua[k], &users_defs[k], users_paths[k]);
            masked[k] = &us[k];
        }
    result pass = {0}, mask = {0};
    run_case("users row, passthrough", none, &in, n, reps, &pass);
    run_case("users row, 5 masked", masked, &in, n, reps, &mask);
    printf("\n| users tuple (10 columns, %zu distinct dataset.sql rows cycled to %zu) "
           "| ns/row (median) | runs, ns/row | output B/row |\n",
           rows, n);
    printf("|---|---:|---|---:|\n");
    runs_text(&pass, reps, runs, sizeof(runs));
    printf("| all passthrough | %.1f | %s | %.1f |\n", median(pass.ns, reps), runs, pass.out_bytes);
    runs_text(&mask, reps, runs, sizeof(runs));
    printf("| fake email, first_name, last_name, phone, dob | %.1f | %s | %.1f |\n",
           median(mask.ns, reps), runs, mask.out_bytes);
    double extra = median(mask.ns, reps) - median(pass.ns, reps);
    printf("\nMasking adds %.0f ns per users row on one core: at most %.2f M rows/s through "
           "the masker alone.\n",
           extra, extra > 0 ? 1e3 / extra : 0.0);
    inputs_free(&in);
    return 0;
}
