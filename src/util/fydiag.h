/*
 * fydiag.h — a libfyaml diagnostics object that prints nothing.
 *
 * FYPCF_QUIET alone still lets libfyaml print parse errors to stderr, and
 * library code must stay silent (errors travel as values), so every parser
 * gets one of these. With `collect` the errors are kept for
 * fy_diag_errors_iterate.
 */
#ifndef PRIVACI_UTIL_FYDIAG_H
#define PRIVACI_UTIL_FYDIAG_H

#include <libfyaml.h>
#include <stdbool.h>

/* Caller releases it with fy_diag_destroy. NULL on allocation failure. */
struct fy_diag *pv_fy_silent_diag(bool collect);

#endif
