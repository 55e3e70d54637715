/*
 * net_unavailable.c — fetch functions of the network secret backends in a
 * build without them. The URI shape has already been validated (net.c);
 * these fail closed with a cause naming the scheme. The network
 * implementation replaces this file (keep the signatures of backend.h).
 */
#include "secrets/backend.h"

#define UNAVAILABLE_REMEDIATION                                                                    \
    "Use an env:// or file:// reference with this build, or upgrade privaci. See "                 \
    "docs/secrets.md for each scheme."

static int unavailable(pv_secret_failure *fail, const char *scheme)
{
    return pv_secret_fail(fail, UNAVAILABLE_REMEDIATION,
                          "The %s:// secret backend is not available in this build.", scheme);
}

int pv_vault_fetch(const pv_vault_ref *ref, char **value, pv_secret_failure *fail)
{
    (void)ref;
    (void)value;
    return unavailable(fail, "vault");
}

int pv_aws_sm_fetch(const pv_aws_sm_ref *ref, char **value, pv_secret_failure *fail)
{
    (void)ref;
    (void)value;
    return unavailable(fail, "aws-sm");
}

int pv_azure_kv_fetch(const pv_azure_kv_ref *ref, char **value, pv_secret_failure *fail)
{
    (void)ref;
    (void)value;
    return unavailable(fail, "azure-kv");
}
