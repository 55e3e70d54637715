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
 */
#ifndef PRIVACI_CONFIG_REGEX_H
#define PRIVACI_CONFIG_REGEX_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include <stdbool.h>
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

#endif
