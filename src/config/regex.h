/*
 * regex.h — Python-`re` patterns on PCRE2 (config.md §6), shared by the
 * config validator and the regex_mask engine.
 *
 * Patterns are written in Python syntax; pv_regex_compile translates the
 * few constructs that differ (`\Z`, `\uXXXX`, `{,n}`, the `u` inline flag),
 * rejects the Python-only inline flags `(?L)` and `(?a)`, and compiles with
 * UTF + UCP unless the ASCII flag dropped UCP. Problems come back as
 * value-free texts (positions are 0-based code-point offsets into the
 * pattern or template as written); the caller frees them.
 *
 * At mask time one compiled pattern and one template per column are shared
 * read-only by the worker threads; each thread owns a pv_regex_matcher (match
 * data, limits, JIT stack) and calls pv_regex_substitute with it.
 */
#ifndef PRIVACI_CONFIG_REGEX_H
#define PRIVACI_CONFIG_REGEX_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include "util/buf.h"

#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Compile options before any flag: Unicode text, Unicode \w\d\s\b. */
#define PV_REGEX_DEFAULT_OPTS (PCRE2_UTF | PCRE2_UCP)

/*
 * Applies one Python flag name (case-insensitive: IGNORECASE, MULTILINE,
 * DOTALL, VERBOSE, ASCII, UNICODE, DEBUG, TEMPLATE, LOCALE) to *opts.
 * Returns false for an unknown name.
 */
bool pv_regex_apply_flag(const char *name, uint32_t *opts);

/*
 * The PCRE2 form of a Python pattern, or NULL with *problem set (e.g.
 * "inline flag 'L' (LOCALE) is not supported at position 0").
 */
char *pv_regex_translate(const char *pattern, char **problem);

/*
 * Translates and compiles, adding PCRE2_ALT_CIRCUMFLEX so that a multiline
 * `^` also matches after a final newline, as in Python. NULL with *problem
 * set on failure; the problem of a compile error reads "invalid regex:
 * <PCRE2 message> at position N". The caller frees the code with
 * pcre2_code_free.
 */
pcre2_code *pv_regex_compile(const char *pattern, uint32_t opts, char **problem);

/*
 * The textual ReDoS screen of config.md §6: true when an innermost group
 * `(...)` followed by `*`, `+` or `{n,}` contains `*`, `+`, `{n,}` or `|`.
 */
bool pv_regex_redos_suspect(const char *pattern);

/* The message config.md §6 gives for a pattern the screen flags. */
#define PV_REGEX_REDOS_MESSAGE                                                                     \
    "pattern applies an unbounded quantifier to a group containing a nested quantifier or "        \
    "alternation, which risks catastrophic backtracking"

/*
 * Checks a Python re.sub replacement template against a compiled pattern:
 * escapes, group numbers (<= the capture count) and names. NULL when valid,
 * else the problem, e.g. "invalid group reference 2 at position 4".
 */
char *pv_regex_check_template(const char *replace, const pcre2_code *code);

/* ---- the regex_mask engine (config.md §6, masking.md §5) ---- */

#define PV_REGEX_MAX_CHARS   65536         /* longer input (code points): TOO_LONG */
#define PV_REGEX_MATCH_LIMIT 1000000       /* pcre2_set_match_limit, per match */
#define PV_REGEX_DEPTH_LIMIT 100000        /* interpreter backtracking depth */
#define PV_REGEX_JIT_STACK   (1024 * 1024) /* JIT stack bytes, per matcher */

/*
 * A replacement template parsed once against its pattern: literal runs
 * (escapes already decoded, octal code points as UTF-8) and group numbers
 * (names resolved through the pattern's name table). Same parser and same
 * problems as pv_regex_check_template: NULL with *problem set when invalid.
 * Immutable afterwards, so threads may share it.
 */
typedef struct pv_regex_template pv_regex_template;
pv_regex_template *pv_regex_template_new(const char *replace, const pcre2_code *code,
                                         char **problem);
void pv_regex_template_free(pv_regex_template *t);

/*
 * JIT-compiles `code` (PCRE2_JIT_COMPLETE) before it is shared. Returns 0
 * when JIT code is in place or JIT is unsupported here (the interpreter then
 * runs the pattern); else the negative PCRE2 error, after which the
 * interpreter still runs it. Not thread-safe: call before matching starts.
 */
int pv_regex_jit(pcre2_code *code);

/*
 * Per-thread match state for one pattern: match data sized for `code`, a
 * match context with PV_REGEX_MATCH_LIMIT and PV_REGEX_DEPTH_LIMIT, and a
 * PV_REGEX_JIT_STACK JIT stack. Never shared between threads. Aborts on
 * out-of-memory like pv_xmalloc.
 */
typedef struct pv_regex_matcher pv_regex_matcher;
pv_regex_matcher *pv_regex_matcher_new(const pcre2_code *code);
void pv_regex_matcher_free(pv_regex_matcher *m);

typedef enum pv_regex_status {
    PV_REGEX_OK = 0,
    PV_REGEX_LIMIT,    /* match limit, depth/heap limit or JIT stack exceeded */
    PV_REGEX_TOO_LONG, /* more than PV_REGEX_MAX_CHARS code points */
    PV_REGEX_BAD_UTF8, /* the subject is not valid UTF-8 */
    PV_REGEX_ERROR,    /* anything else (e.g. template made for another pattern) */
} pv_regex_status;

/*
 * Python re.sub(pattern, template, subject) with count 0: every
 * non-overlapping match, left to right, is replaced by the template
 * (unmatched groups insert nothing); the text between matches is copied.
 * Empty matches follow Python 3.7+: one may follow a non-empty match
 * directly, but not another empty match at the same place; stepping over a
 * character steps a whole UTF-8 character. The result is appended to `out`;
 * on any status but OK, out->len is back to its value on entry. `subject`
 * need not be NUL-terminated. Length is checked before matching, UTF-8
 * validity by the first pcre2_match (patterns compiled with PCRE2_UTF).
 * Allocates only when `out` or the matcher's match data must grow. Values
 * are never logged. Known gap: CPython 3.11's `\B` never matches an empty
 * subject, PCRE2's does (masking.md §3 keeps "" away from the action).
 */
pv_regex_status pv_regex_substitute(pv_regex_matcher *m, const pcre2_code *code,
                                    const pv_regex_template *t, const uint8_t *subject, size_t len,
                                    pv_buf *out);

#endif
