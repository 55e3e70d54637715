/*
 * error.h — the one error value every module returns.
 *
 * An error carries its exit code and the Context / Cause / Remediation texts
 * of spec/errors.md. Errors travel as values up to the CLI boundary, which
 * alone prints them (pv_error_print) and exits. Texts must be value-free:
 * identifiers, counts, SQLSTATEs and config paths only.
 */
#ifndef PRIVACI_UTIL_ERROR_H
#define PRIVACI_UTIL_ERROR_H

#include <stdarg.h>
#include <stdio.h>

/* Exit codes (spec/errors.md §2). */
enum {
    PV_EXIT_OK = 0,
    PV_EXIT_GENERIC = 1,
    PV_EXIT_PREFLIGHT = 2,
    PV_EXIT_CONFIG = 3,
    PV_EXIT_SALT = 4,
    PV_EXIT_DRIFT = 6,
    PV_EXIT_INTERRUPTED = 130,
};

typedef struct pv_error {
    int exit_code;
    char *context;
    char *cause;
    char *remediation;
} pv_error;

/*
 * Builds an error; the cause is a printf format. Never returns NULL (aborts
 * on out-of-memory, as every allocation in this program does).
 */
pv_error *pv_error_new(int exit_code, const char *context, const char *remediation,
                       const char *cause_fmt, ...) __attribute__((format(printf, 4, 5)));
pv_error *pv_error_newv(int exit_code, const char *context, const char *remediation,
                        const char *cause_fmt, va_list ap) __attribute__((format(printf, 4, 0)));
void pv_error_free(pv_error *err);

/* The docs anchor for an exit code, e.g. "exit-code-3-config-validation-failure". */
const char *pv_error_anchor(int exit_code);

/* Renders the four-line block (with secrets scrubbed). Caller frees. */
char *pv_error_render(const pv_error *err);

/* Prints the block on `out` (stderr at the CLI boundary). */
void pv_error_print(const pv_error *err, FILE *out);

#endif
