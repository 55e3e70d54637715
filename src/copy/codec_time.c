/*
 * codec_time.c — date, time, timetz, timestamp, timestamptz, interval.
 *
 * Binary forms (integer datetimes, the only kind since PostgreSQL 10):
 * date = int32 days since 2000-01-01; time = int64 µs since midnight;
 * timetz = time + int32 zone in seconds *west* of UTC; timestamp(tz) =
 * int64 µs since 2000-01-01 00:00 (UTC for timestamptz); interval = int64
 * µs, int32 days, int32 months. Infinities are the extreme integers.
 *
 * Text output mirrors PostgreSQL's datetime.c under DateStyle=ISO,
 * IntervalStyle=postgres and TimeZone=UTC (j2date, EncodeDateTime,
 * EncodeTimezone, AppendSeconds, EncodeInterval). The masking input text
 * is masking.md §2's: fixed microsecond digits, "+00:00" offsets, and
 * fixed dates for the infinities. Dates before 1 AD keep PostgreSQL's " BC"
 * suffix there too (the original could not represent them at all).
 */
#include "copy/codec_internal.h"

#define USECS_PER_SEC    INT64_C(1000000)
#define USECS_PER_MINUTE INT64_C(60000000)
#define USECS_PER_HOUR   INT64_C(3600000000)
#define USECS_PER_DAY    INT64_C(86400000000)
#define EPOCH_JDATE      2451545                      /* date2j(2000, 1, 1) */
#define DATE_END_JULIAN  2147483494                   /* 5874898-01-01: dates end before it */
#define MIN_TIMESTAMP    INT64_C(-211813488000000000) /* 4714-11-24 00:00:00 BC */
#define END_TIMESTAMP    INT64_C(9223371331200000000) /* 294277-01-01 00:00:00 */
#define TZDISP_LIMIT     (16 * 3600)                  /* |timetz zone| (seconds) */
#define MAX_TZDISP_HOUR  15

/* ------------------------------------------------------------ calendar */

/* PostgreSQL's date2j/j2date (proleptic Gregorian; year 0 = 1 BC). */
static int64_t date2j(int64_t y, int64_t m, int64_t d)
{
    if (m > 2) {
        m += 1;
        y += 4800;
    } else {
        m += 13;
        y += 4799;
    }
    int64_t century = y / 100;
    int64_t julian = y * 365 - 32167;
    julian += y / 4 - century + century / 4;
    julian += 7834 * m / 256 + d;
    return julian;
}

static void j2date(int64_t jd, int *year, int *month, int *day)
{
    uint64_t julian = (uint64_t)jd + 32044;
    uint64_t quad = julian / 146097;
    uint64_t extra = (julian - quad * 146097) * 4 + 3;
    julian += 60 + quad * 3 + extra / 146097;
    quad = julian / 1461;
    julian -= quad * 1461;
    int64_t y = (int64_t)(julian * 4 / 1461);
    julian = ((y != 0) ? ((julian + 305) % 365) : ((julian + 306) % 366)) + 123;
    y += (int64_t)quad * 4;
    *year = (int)(y - 4800);
    quad = julian * 2141 / 65536;
    *day = (int)(julian - 7834 * quad / 256);
    *month = (int)((quad + 10) % 12 + 1);
}

static bool is_leap(int64_t y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int days_in_month(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* ------------------------------------------------------------ output pieces */

/* YYYY-MM-DD of a Julian day; returns whether the year is BC. */
static bool put_date(pv_buf *out, int64_t jd)
{
    int y, m, d;
    j2date(jd, &y, &m, &d);
    pv_put_u64_pad(out, (uint64_t)(y > 0 ? y : -(y - 1)), 4);
    pv_buf_putc(out, '-');
    pv_put_u64_pad(out, (uint64_t)m, 2);
    pv_buf_putc(out, '-');
    pv_put_u64_pad(out, (uint64_t)d, 2);
    return y <= 0;
}

/* AppendSeconds: ".ffffff" without trailing zeros; `full` keeps all six (Python). */
static void put_fraction(pv_buf *out, int64_t usec, bool full)
{
    if (usec == 0)
        return;
    char tmp[7];
    int64_t v = usec < 0 ? -usec : usec;
    for (int k = 5; k >= 0; k--) {
        tmp[k] = (char)('0' + v % 10);
        v /= 10;
    }
    int len = 6;
    if (!full)
        while (len > 1 && tmp[len - 1] == '0')
            len--;
    pv_buf_putc(out, '.');
    pv_buf_put(out, tmp, (size_t)len);
}

/* HH:MM:SS[.f] of a time of day in µs (0 .. 24:00:00). */
static void put_time(pv_buf *out, int64_t t, bool full)
{
    pv_put_u64_pad(out, (uint64_t)(t / USECS_PER_HOUR), 2);
    pv_buf_putc(out, ':');
    pv_put_u64_pad(out, (uint64_t)(t / USECS_PER_MINUTE % 60), 2);
    pv_buf_putc(out, ':');
    pv_put_u64_pad(out, (uint64_t)(t / USECS_PER_SEC % 60), 2);
    put_fraction(out, t % USECS_PER_SEC, full);
}

/* EncodeTimezone: tz in seconds west; "+HH", "+HH:MM" or "+HH:MM:SS". */
static void put_zone_pg(pv_buf *out, int tz)
{
    int sec = tz < 0 ? -tz : tz;
    int min = sec / 60;
    sec -= min * 60;
    int hour = min / 60;
    min -= hour * 60;
    pv_buf_putc(out, tz <= 0 ? '+' : '-');
    pv_put_u64_pad(out, (uint64_t)hour, 2);
    if (sec != 0 || min != 0) {
        pv_buf_putc(out, ':');
        pv_put_u64_pad(out, (uint64_t)min, 2);
    }
    if (sec != 0) {
        pv_buf_putc(out, ':');
        pv_put_u64_pad(out, (uint64_t)sec, 2);
    }
}

/* Python's utcoffset text: "+HH:MM" and ":SS" when the seconds are not zero. */
static void put_zone_py(pv_buf *out, int tz)
{
    int east = -tz;
    int sec = east < 0 ? -east : east;
    pv_buf_putc(out, east < 0 ? '-' : '+');
    pv_put_u64_pad(out, (uint64_t)(sec / 3600), 2);
    pv_buf_putc(out, ':');
    pv_put_u64_pad(out, (uint64_t)(sec / 60 % 60), 2);
    if (sec % 60) {
        pv_buf_putc(out, ':');
        pv_put_u64_pad(out, (uint64_t)(sec % 60), 2);
    }
}

/* ------------------------------------------------------------ decoders */

static int date_decode(const pv_scalar_codec *c, const uint8_t *p, size_t n, pv_render how,
                       pv_buf *out)
{
    if (n != 4)
        return PV_C_BADBIN;
    int32_t d = (int32_t)pv_be32(p);
    bool mask = how == PV_RENDER_MASK;
    if (d == INT32_MAX) {
        pv_buf_puts(out, mask ? "9999-12-31" : "infinity");
        return PV_C_OK;
    }
    if (d == INT32_MIN) {
        pv_buf_puts(out, mask ? "0001-01-01" : "-infinity");
        return PV_C_OK;
    }
    int64_t jd = (int64_t)d + EPOCH_JDATE;
    if (jd < 0 || jd >= DATE_END_JULIAN)
        return PV_C_BADBIN;
    if (put_date(out, jd))
        pv_buf_puts(out, " BC");
    return PV_C_OK;
}

static int time_decode(const pv_scalar_codec *c, const uint8_t *p, size_t n, pv_render how,
                       pv_buf *out)
{
    if (n != 8)
        return PV_C_BADBIN;
    int64_t t = (int64_t)pv_be64(p);
    if (t < 0 || t > USECS_PER_DAY)
        return PV_C_BADBIN;
    put_time(out, t, how == PV_RENDER_MASK);
    return PV_C_OK;
}

static int timetz_decode(const pv_scalar_codec *c, const uint8_t *p, size_t n, pv_render how,
                         pv_buf *out)
{
    if (n != 12)
        return PV_C_BADBIN;
    int64_t t = (int64_t)pv_be64(p);
    int32_t tz = (int32_t)pv_be32(p + 8);
    if (t < 0 || t > USECS_PER_DAY || tz < -TZDISP_LIMIT || tz > TZDISP_LIMIT)
        return PV_C_BADBIN;
    bool mask = how == PV_RENDER_MASK;
    put_time(out, t, mask);
    if (mask)
        put_zone_py(out, tz);
    else
        put_zone_pg(out, tz);
    return PV_C_OK;
}

/* variant: 1 for timestamptz */
static int timestamp_decode(const pv_scalar_codec *c, const uint8_t *p, size_t n, pv_render how,
                            pv_buf *out)
{
    if (n != 8)
        return PV_C_BADBIN;
    int64_t ts = (int64_t)pv_be64(p);
    bool mask = how == PV_RENDER_MASK, tz = c->variant == 1;
    if (ts == INT64_MAX || ts == INT64_MIN) {
        if (!mask)
            pv_buf_puts(out, ts == INT64_MAX ? "infinity" : "-infinity");
        else
            pv_buf_puts(out,
                        ts == INT64_MAX ? "9999-12-31 23:59:59.999999" : "0001-01-01 00:00:00");
        if (mask && tz)
            pv_buf_puts(out, "+00:00");
        return PV_C_OK;
    }
    if (ts < MIN_TIMESTAMP || ts >= END_TIMESTAMP)
        return PV_C_BADBIN;
    int64_t date = ts / USECS_PER_DAY;
    int64_t time = ts - date * USECS_PER_DAY;
    if (time < 0) {
        time += USECS_PER_DAY;
        date -= 1;
    }
    bool bc = put_date(out, date + EPOCH_JDATE);
    pv_buf_putc(out, ' ');
    put_time(out, time, mask);
    if (tz)
        pv_buf_puts(out, mask ? "+00:00" : "+00");
    if (bc)
        pv_buf_puts(out, " BC");
    return PV_C_OK;
}

/* AddPostgresIntPart: " [+]N unit[s]"; is_before carries a sign to the next part. */
static void interval_part(pv_buf *out, int64_t v, const char *unit, bool *is_zero, bool *is_before)
{
    if (v == 0)
        return;
    if (!*is_zero)
        pv_buf_putc(out, ' ');
    if (*is_before && v > 0)
        pv_buf_putc(out, '+');
    pv_put_i64(out, v);
    pv_buf_putc(out, ' ');
    pv_buf_puts(out, unit);
    if (v != 1)
        pv_buf_putc(out, 's');
    *is_before = v < 0;
    *is_zero = false;
}

static int interval_decode(const pv_scalar_codec *c, const uint8_t *p, size_t n, pv_render how,
                           pv_buf *out)
{
    if (n != 16)
        return PV_C_BADBIN;
    int64_t time = (int64_t)pv_be64(p);
    int32_t days = (int32_t)pv_be32(p + 8);
    int32_t months = (int32_t)pv_be32(p + 12);
    bool is_zero = true, is_before = false;
    interval_part(out, months / 12, "year", &is_zero, &is_before);
    interval_part(out, months % 12, "mon", &is_zero, &is_before);
    interval_part(out, days, "day", &is_zero, &is_before);
    int64_t hour = time / USECS_PER_HOUR;
    time -= hour * USECS_PER_HOUR;
    int64_t min = time / USECS_PER_MINUTE;
    time -= min * USECS_PER_MINUTE;
    int64_t sec = time / USECS_PER_SEC;
    int64_t usec = time - sec * USECS_PER_SEC;
    if (is_zero || hour != 0 || min != 0 || sec != 0 || usec != 0) {
        bool minus = hour < 0 || min < 0 || sec < 0 || usec < 0;
        if (!is_zero)
            pv_buf_putc(out, ' ');
        if (minus)
            pv_buf_putc(out, '-');
        else if (is_before)
            pv_buf_putc(out, '+');
        pv_put_u64_pad(out, (uint64_t)(hour < 0 ? -hour : hour), 2);
        pv_buf_putc(out, ':');
        pv_put_u64_pad(out, (uint64_t)(min < 0 ? -min : min), 2);
        pv_buf_putc(out, ':');
        pv_put_u64_pad(out, (uint64_t)(sec < 0 ? -sec : sec), 2);
        put_fraction(out, usec, false);
    }
    return PV_C_OK;
}

/* ------------------------------------------------------------ parsing */

typedef struct scan {
    const char *s;
    size_t n;
    size_t i;
} scan;

static bool at(const scan *sc, char ch)
{
    return sc->i < sc->n && sc->s[sc->i] == ch;
}

static void skip_spaces(scan *sc)
{
    while (sc->i < sc->n && pv_is_space(sc->s[sc->i]))
        sc->i++;
}

/* Number of consecutive digits at the cursor. */
static size_t digit_run(const scan *sc)
{
    size_t k = sc->i;
    while (k < sc->n && pv_is_digit(sc->s[k]))
        k++;
    return k - sc->i;
}

/* Reads exactly `len` digits (len <= 18). */
static int64_t take_digits(scan *sc, size_t len)
{
    int64_t v = 0;
    for (size_t k = 0; k < len; k++)
        v = v * 10 + (sc->s[sc->i++] - '0');
    return v;
}

/* Exactly len digits at the cursor, whatever follows (compact forms). */
static bool read_fixed(scan *sc, size_t len, int64_t *v)
{
    if (digit_run(sc) < len)
        return false;
    *v = take_digits(sc, len);
    return true;
}

/* A digit run of 1..max_len digits. */
static bool read_number(scan *sc, size_t min_len, size_t max_len, int64_t *v)
{
    size_t len = digit_run(sc);
    if (len < min_len || len > max_len)
        return false;
    *v = take_digits(sc, len);
    return true;
}

/* A case-insensitive word at the cursor. */
static bool take_word(scan *sc, const char *word)
{
    size_t len = strlen(word);
    if (sc->n - sc->i < len || !pv_word_eq(sc->s + sc->i, len, word))
        return false;
    sc->i += len;
    return true;
}

/* ISO week date: Monday of week 1 is the week with January 4th (isoweek2j). */
static int64_t isoweek_to_j(int64_t year, int64_t week, int64_t wday)
{
    int64_t day4 = date2j(year, 1, 4);
    int64_t day0 = (day4 - 1 + 1) % 7; /* j2day(day4 - 1): 0 = Sunday */
    if (day0 < 0)
        day0 += 7;
    return (week - 1) * 7 + (day4 - day0) + wday - 1;
}

/*
 * The date forms of masking.md §4.1 — YYYY-MM-DD, YYYYMMDD, YYYY-Www-D,
 * YYYYWwwD — with years of 1..9 digits in the dashed forms (PostgreSQL
 * prints 5+ digit years). Returns the Julian day of the AD date; BC is
 * applied by the caller.
 */
typedef struct ymd {
    int64_t year; /* as written: >= 1 */
    int64_t month, day;
    bool week; /* ISO week form: month = week, day = weekday */
} ymd;

static bool parse_date(scan *sc, ymd *d)
{
    size_t len = digit_run(sc);
    if (len == 0 || len > 9)
        return false;
    if (len == 8) {
        d->year = take_digits(sc, 4);
        d->month = take_digits(sc, 2);
        d->day = take_digits(sc, 2);
        d->week = false;
        return true;
    }
    d->year = take_digits(sc, len);
    if (len == 4 && (at(sc, 'W') || at(sc, 'w'))) {
        sc->i++;
        d->week = true;
        return read_fixed(sc, 2, &d->month) && read_fixed(sc, 1, &d->day);
    }
    if (!at(sc, '-'))
        return false;
    sc->i++;
    if (at(sc, 'W') || at(sc, 'w')) {
        sc->i++;
        d->week = true;
        if (!read_number(sc, 2, 2, &d->month) || !at(sc, '-'))
            return false;
        sc->i++;
        return read_number(sc, 1, 1, &d->day);
    }
    d->week = false;
    if (!read_number(sc, 1, 2, &d->month) || !at(sc, '-'))
        return false;
    sc->i++;
    return read_number(sc, 1, 2, &d->day);
}

/* Validates and converts to a Julian day (BC: the year counts backwards). */
static bool ymd_to_j(const ymd *d, bool bc, int64_t *jd)
{
    if (d->year < 1)
        return false;
    int64_t y = bc ? 1 - d->year : d->year;
    if (d->week) {
        if (d->month < 1 || d->month > 53 || d->day < 1 || d->day > 7)
            return false;
        *jd = isoweek_to_j(y, d->month, d->day);
    } else {
        if (d->month < 1 || d->month > 12 || d->day < 1 || d->day > days_in_month(y, (int)d->month))
            return false;
        *jd = date2j(y, d->month, d->day);
    }
    return *jd >= 0 && *jd < DATE_END_JULIAN;
}

/* Fraction digits after '.', rounded to µs like ParseFractionalSecond (rint). */
static bool parse_fraction(scan *sc, int64_t *usec)
{
    size_t len = digit_run(sc);
    if (len == 0)
        return false;
    static const double POW10[16] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    size_t use = len > 15 ? 15 : len;
    int64_t v = take_digits(sc, use);
    sc->i += len - use;
    /* Both operands are exact, so the quotient is the correctly rounded
     * double — what strtod gives ParseFractionalSecond. */
    double x = (double)v / POW10[use] * 1000000.0;
    /* rint (round half to even), without libm: 0 <= x <= 1e6 */
    int64_t t = (int64_t)x;
    double rest = x - (double)t;
    if (rest > 0.5 || (rest == 0.5 && (t & 1)))
        t++;
    *usec = t;
    return true;
}

/* HH[:MM[:SS[.f]]] or HHMM[SS][.f]; 24:00:00 allowed, seconds up to 60 (leap). */
static bool parse_time(scan *sc, int64_t *t)
{
    int64_t h = 0, m = 0, s = 0, us = 0;
    size_t len = digit_run(sc);
    if (len == 4 || len == 6) {
        h = take_digits(sc, 2);
        m = take_digits(sc, 2);
        if (len == 6)
            s = take_digits(sc, 2);
    } else {
        if (!read_number(sc, 1, 2, &h))
            return false;
        if (at(sc, ':')) {
            sc->i++;
            if (!read_number(sc, 2, 2, &m))
                return false;
            if (at(sc, ':')) {
                sc->i++;
                if (!read_number(sc, 2, 2, &s))
                    return false;
            }
        }
    }
    if (at(sc, '.')) {
        sc->i++;
        if (!parse_fraction(sc, &us))
            return false;
    }
    if (h > 24 || m > 59 || s > 60 || us > USECS_PER_SEC)
        return false;
    *t = ((h * 60 + m) * 60 + s) * USECS_PER_SEC + us;
    return *t <= USECS_PER_DAY;
}

/*
 * Zone: Z, UTC/GMT, or ±HH[:MM[:SS]] / ±HHMM[SS]. *tz is seconds *west*
 * (PostgreSQL's sign). Returns false when nothing zone-like is there.
 */
static bool parse_zone(scan *sc, int *tz, bool *bad)
{
    *bad = false;
    if (take_word(sc, "z") || take_word(sc, "utc") || take_word(sc, "gmt")) {
        *tz = 0;
        return true;
    }
    if (!at(sc, '+') && !at(sc, '-'))
        return false;
    bool east = sc->s[sc->i++] == '+';
    int64_t h = 0, m = 0, s = 0;
    size_t len = digit_run(sc);
    if (len == 4 || len == 6) {
        h = take_digits(sc, 2);
        m = take_digits(sc, 2);
        if (len == 6)
            s = take_digits(sc, 2);
    } else if (read_number(sc, 1, 2, &h)) {
        if (at(sc, ':')) {
            sc->i++;
            if (!read_number(sc, 2, 2, &m))
                goto bad;
            if (at(sc, ':')) {
                sc->i++;
                if (!read_number(sc, 2, 2, &s))
                    goto bad;
            }
        }
    } else {
        goto bad;
    }
    if (h > MAX_TZDISP_HOUR || m > 59 || s > 59)
        goto bad;
    int secs = (int)((h * 60 + m) * 60 + s);
    *tz = east ? -secs : secs;
    return true;
bad:
    *bad = true;
    return false;
}

/* An optional trailing " BC" (any case). */
static bool parse_bc(scan *sc)
{
    size_t save = sc->i;
    skip_spaces(sc);
    if (take_word(sc, "bc"))
        return true;
    sc->i = save;
    return false;
}

/* "infinity", "+infinity", "-infinity": 1, -1, or 0 when not one of them. */
static int parse_infinity(const char *s, size_t n)
{
    if (pv_word_eq(s, n, "infinity") || pv_word_eq(s, n, "+infinity"))
        return 1;
    if (pv_word_eq(s, n, "-infinity"))
        return -1;
    return 0;
}

/* ------------------------------------------------------------ encoders */

static int date_encode(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out)
{
    pv_trim(&s, &n);
    int inf = parse_infinity(s, n);
    if (inf) {
        pv_buf_be32(out, inf > 0 ? (uint32_t)INT32_MAX : (uint32_t)INT32_MIN);
        return PV_C_OK;
    }
    scan sc = {s, n, 0};
    ymd d;
    int64_t jd;
    if (!parse_date(&sc, &d))
        return PV_C_BADTEXT;
    bool bc = parse_bc(&sc);
    if (sc.i != n || !ymd_to_j(&d, bc, &jd))
        return PV_C_BADTEXT;
    pv_buf_be32(out, (uint32_t)(int32_t)(jd - EPOCH_JDATE));
    return PV_C_OK;
}

static int time_encode_common(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out,
                              bool with_zone)
{
    pv_trim(&s, &n);
    scan sc = {s, n, 0};
    int64_t t;
    if (!parse_time(&sc, &t))
        return PV_C_BADTEXT;
    int tz = 0; /* no offset: the session zone, UTC */
    bool bad = false;
    skip_spaces(&sc);
    if (sc.i < n && !parse_zone(&sc, &tz, &bad))
        return PV_C_BADTEXT;
    if (bad || sc.i != n)
        return PV_C_BADTEXT;
    pv_buf_be64(out, (uint64_t)t);
    if (with_zone)
        pv_buf_be32(out, (uint32_t)tz);
    return PV_C_OK;
}

static int time_encode(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out)
{
    return time_encode_common(c, s, n, out, false);
}

static int timetz_encode(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out)
{
    return time_encode_common(c, s, n, out, true);
}

/*
 * date [('T' | ' ') time] [zone] [BC]. timestamptz: a value without zone
 * is UTC; timestamp ignores a zone, as timestamp_in does.
 */
static int timestamp_encode(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out)
{
    pv_trim(&s, &n);
    int inf = parse_infinity(s, n);
    if (inf) {
        pv_buf_be64(out, inf > 0 ? (uint64_t)INT64_MAX : (uint64_t)INT64_MIN);
        return PV_C_OK;
    }
    scan sc = {s, n, 0};
    ymd d;
    if (!parse_date(&sc, &d))
        return PV_C_BADTEXT;
    int64_t t = 0;
    int tz = 0;
    bool bad = false;
    bool bc = parse_bc(&sc);
    if (!bc && (at(&sc, 'T') || at(&sc, 't') || at(&sc, ' '))) {
        sc.i++;
        skip_spaces(&sc);
        if (!parse_time(&sc, &t))
            return PV_C_BADTEXT;
        skip_spaces(&sc);
        if (sc.i < n && !parse_zone(&sc, &tz, &bad) && bad)
            return PV_C_BADTEXT;
        bc = parse_bc(&sc);
    }
    int64_t jd;
    if (sc.i != n || !ymd_to_j(&d, bc, &jd))
        return PV_C_BADTEXT;
    if (c->variant != 1)
        tz = 0;
    /* local time + west offset = UTC; range-checked in 128-bit-free steps */
    int64_t days = jd - EPOCH_JDATE;
    if (days > (END_TIMESTAMP / USECS_PER_DAY) + 1 || days < (MIN_TIMESTAMP / USECS_PER_DAY) - 1)
        return PV_C_BADTEXT;
    int64_t ts = days * USECS_PER_DAY + t + (int64_t)tz * USECS_PER_SEC;
    if (ts < MIN_TIMESTAMP || ts >= END_TIMESTAMP)
        return PV_C_BADTEXT;
    pv_buf_be64(out, (uint64_t)ts);
    return PV_C_OK;
}

/* ------------------------------------------------------------ interval */

typedef struct interval_acc {
    int64_t months, days, usecs;
} interval_acc;

static bool add_checked(int64_t *acc, int64_t v, int64_t mul)
{
    int64_t prod;
    if (__builtin_mul_overflow(v, mul, &prod) || __builtin_add_overflow(*acc, prod, acc))
        return false;
    return true;
}

/* One "<int> <unit>" part; unit spellings as PostgreSQL's deltatktbl has them. */
static bool interval_unit(interval_acc *a, int64_t v, const char *u, size_t len)
{
    static const struct {
        const char *name;
        int kind; /* 0 months, 1 days, 2 µs */
        int64_t mul;
    } units[] = {
        {"millennium", 0, 12000},
        {"millenniums", 0, 12000},
        {"millennia", 0, 12000},
        {"century", 0, 1200},
        {"centuries", 0, 1200},
        {"decade", 0, 120},
        {"decades", 0, 120},
        {"year", 0, 12},
        {"years", 0, 12},
        {"yr", 0, 12},
        {"yrs", 0, 12},
        {"y", 0, 12},
        {"mon", 0, 1},
        {"mons", 0, 1},
        {"month", 0, 1},
        {"months", 0, 1},
        {"week", 1, 7},
        {"weeks", 1, 7},
        {"w", 1, 7},
        {"day", 1, 1},
        {"days", 1, 1},
        {"d", 1, 1},
        {"hour", 2, USECS_PER_HOUR},
        {"hours", 2, USECS_PER_HOUR},
        {"hr", 2, USECS_PER_HOUR},
        {"hrs", 2, USECS_PER_HOUR},
        {"h", 2, USECS_PER_HOUR},
        {"minute", 2, USECS_PER_MINUTE},
        {"minutes", 2, USECS_PER_MINUTE},
        {"min", 2, USECS_PER_MINUTE},
        {"mins", 2, USECS_PER_MINUTE},
        {"m", 2, USECS_PER_MINUTE},
        {"second", 2, USECS_PER_SEC},
        {"seconds", 2, USECS_PER_SEC},
        {"sec", 2, USECS_PER_SEC},
        {"secs", 2, USECS_PER_SEC},
        {"s", 2, USECS_PER_SEC},
        {"millisecond", 2, 1000},
        {"milliseconds", 2, 1000},
        {"ms", 2, 1000},
        {"microsecond", 2, 1},
        {"microseconds", 2, 1},
        {"us", 2, 1},
    };
    for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
        if (!pv_word_eq(u, len, units[k].name))
            continue;
        int64_t *acc = units[k].kind == 0 ? &a->months : units[k].kind == 1 ? &a->days : &a->usecs;
        return add_checked(acc, v, units[k].mul);
    }
    return false;
}

/* [+-]H+:MM[:SS[.f]] — the sign applies to the whole time. */
static bool interval_clock(scan *sc, interval_acc *a)
{
    bool neg = false;
    if (at(sc, '+') || at(sc, '-'))
        neg = sc->s[sc->i++] == '-';
    int64_t h, m, s = 0, us = 0;
    if (!read_number(sc, 1, 10, &h) || !at(sc, ':'))
        return false;
    sc->i++;
    if (!read_number(sc, 1, 2, &m) || m > 59)
        return false;
    if (at(sc, ':')) {
        sc->i++;
        if (!read_number(sc, 1, 2, &s) || s > 59)
            return false;
        if (at(sc, '.')) {
            sc->i++;
            if (!parse_fraction(sc, &us))
                return false;
        }
    }
    /* signed per part, so the most negative interval does not overflow */
    int64_t sign = neg ? -1 : 1, total = 0;
    if (!add_checked(&total, h, sign * USECS_PER_HOUR) ||
        !add_checked(&total, m, sign * USECS_PER_MINUTE) ||
        !add_checked(&total, s, sign * USECS_PER_SEC) || !add_checked(&total, us, sign))
        return false;
    return add_checked(&a->usecs, total, 1);
}

/*
 * The postgres IntervalStyle (what the decoder prints) and the verbose
 * "@ 1 hour ago" form: signed integers with units, a clock time, "ago".
 */
static int interval_encode(const pv_scalar_codec *c, const char *s, size_t n, pv_buf *out)
{
    pv_trim(&s, &n);
    scan sc = {s, n, 0};
    interval_acc a = {0, 0, 0};
    bool any = false, ago = false;
    if (at(&sc, '@'))
        sc.i++;
    for (;;) {
        skip_spaces(&sc);
        if (sc.i >= n)
            break;
        if (take_word(&sc, "ago")) {
            ago = true;
            continue;
        }
        /* a clock time: digits (after an optional sign) followed by ':' */
        size_t save = sc.i;
        if (at(&sc, '+') || at(&sc, '-'))
            sc.i++;
        size_t len = digit_run(&sc);
        bool clock = len > 0 && sc.i + len < n && sc.s[sc.i + len] == ':';
        sc.i = save;
        if (clock) {
            if (!interval_clock(&sc, &a))
                return PV_C_BADTEXT;
            any = true;
            continue;
        }
        int64_t v;
        bool neg = false;
        if (at(&sc, '+') || at(&sc, '-'))
            neg = sc.s[sc.i++] == '-';
        if (!read_number(&sc, 1, 18, &v))
            return PV_C_BADTEXT;
        if (neg)
            v = -v;
        skip_spaces(&sc);
        size_t u = sc.i;
        while (sc.i < n && ((sc.s[sc.i] >= 'a' && sc.s[sc.i] <= 'z') ||
                            (sc.s[sc.i] >= 'A' && sc.s[sc.i] <= 'Z')))
            sc.i++;
        if (!interval_unit(&a, v, sc.s + u, sc.i - u))
            return PV_C_BADTEXT;
        any = true;
    }
    if (!any)
        return PV_C_BADTEXT;
    if (ago) {
        a.months = -a.months;
        a.days = -a.days;
        a.usecs = -a.usecs;
    }
    if (a.months < INT32_MIN || a.months > INT32_MAX || a.days < INT32_MIN || a.days > INT32_MAX)
        return PV_C_BADTEXT;
    pv_buf_be64(out, (uint64_t)a.usecs);
    pv_buf_be32(out, (uint32_t)(int32_t)a.days);
    pv_buf_be32(out, (uint32_t)(int32_t)a.months);
    return PV_C_OK;
}

/* ------------------------------------------------------------ table */

const pv_scalar_codec pv_sc_date = {"date", 1082, 1182, date_decode, date_encode, 0, 0};
const pv_scalar_codec pv_sc_time = {"time", 1083, 1183, time_decode, time_encode, 0, 0};
const pv_scalar_codec pv_sc_timetz = {"timetz", 1266, 1270, timetz_decode, timetz_encode, 0, 0};
const pv_scalar_codec pv_sc_timestamp = {"timestamp",      1114, 1115, timestamp_decode,
                                         timestamp_encode, 0,    0};
const pv_scalar_codec pv_sc_timestamptz = {"timestamptz",    1184, 1185, timestamp_decode,
                                           timestamp_encode, 0,    1};
const pv_scalar_codec pv_sc_interval = {"interval",      1186, 1187, interval_decode,
                                        interval_encode, 0,    0};
