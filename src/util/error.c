#include "util/error.h"

#include "obs/redact.h"
#include "util/xalloc.h"

#include <stdlib.h>

pv_error *pv_error_newv(int exit_code, const char *context, const char *remediation,
                        const char *cause_fmt, va_list ap)
{
    pv_error *err = pv_xcalloc(1, sizeof(*err));
    err->exit_code = exit_code;
    err->context = pv_xstrdup(context ? context : "Running PrivaCI");
    err->remediation = pv_xstrdup(remediation ? remediation : "");
    err->cause = pv_xvasprintf(cause_fmt, ap);
    return err;
}

pv_error *pv_error_new(int exit_code, const char *context, const char *remediation,
                       const char *cause_fmt, ...)
{
    va_list ap;
    va_start(ap, cause_fmt);
    pv_error *err = pv_error_newv(exit_code, context, remediation, cause_fmt, ap);
    va_end(ap);
    return err;
}

void pv_error_free(pv_error *err)
{
    if (!err)
        return;
    free(err->context);
    free(err->cause);
    free(err->remediation);
    free(err);
}

const char *pv_error_anchor(int exit_code)
{
    switch (exit_code) {
    case PV_EXIT_PREFLIGHT:
        return "exit-code-2-pre-flight-failure";
    case PV_EXIT_CONFIG:
        return "exit-code-3-config-validation-failure";
    case PV_EXIT_SALT:
        return "exit-code-4-missing-or-invalid-salt";
    case 5:
        return "exit-code-5-license-entitlement-failure";
    case PV_EXIT_DRIFT:
        return "exit-code-6-drift-detected";
    case PV_EXIT_INTERRUPTED:
        return "exit-code-130-interrupted-by-signal";
    default:
        return "exit-code-1-generic-error";
    }
}

char *pv_error_render(const pv_error *err)
{
    /* Only the three texts are scrubbed: the labels and the docs link are
     * fixed words, and a very short secret must not mangle them. */
    char *context = pv_redact_secrets(err->context);
    char *cause = pv_redact_secrets(err->cause);
    char *remediation = pv_redact_secrets(err->remediation);
    char *text =
        pv_xasprintf("Context: %s\nCause: %s\nRemediation: %s\nSee: docs/error-codes.md#%s\n",
                     context, cause, remediation, pv_error_anchor(err->exit_code));
    free(context);
    free(cause);
    free(remediation);
    return text;
}

void pv_error_print(const pv_error *err, FILE *out)
{
    char *text = pv_error_render(err);
    fputs(text, out);
    fflush(out);
    free(text);
}
