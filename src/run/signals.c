#include "run/signals.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t signals_seen;

static void on_signal(int signo)
{
    (void)signo;
    if (signals_seen++ > 0)
        _exit(PV_EXIT_INTERRUPTED);
}

void pv_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

bool pv_signals_interrupted(void)
{
    return signals_seen > 0;
}

pv_error *pv_signals_error(void)
{
    return pv_error_new(PV_EXIT_INTERRUPTED, "Running PrivaCI",
                        "Resume the run with `privaci resume`.",
                        "Interrupted by signal (SIGINT/SIGTERM).");
}
