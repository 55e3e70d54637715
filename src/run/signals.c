/* signals.c — streaming.md §11; see signals.h. */
#include "run/signals.h"

#include "obs/log.h"

#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t signals_seen;
static volatile sig_atomic_t first_signo;
static atomic_bool announced;

/* The second-signal hook and the thread that runs it. */
static sem_t hook_sem;
static void (*_Atomic hook_fn)(void *);
static void *_Atomic hook_ud;
static pthread_once_t watcher_once = PTHREAD_ONCE_INIT;
static atomic_bool watcher_ready;

static void on_signal(int signo)
{
    int seen = ++signals_seen;
    if (seen == 1) {
        first_signo = signo;
        return;
    }
    /* sem_post is async-signal-safe; everything libpq does happens on the watcher. */
    if (seen == 2 && atomic_load(&watcher_ready) && atomic_load(&hook_fn)) {
        sem_post(&hook_sem);
        return;
    }
    _exit(PV_EXIT_INTERRUPTED);
}

static void *watcher_main(void *arg)
{
    (void)arg;
    while (sem_wait(&hook_sem) != 0)
        ;
    void (*fn)(void *) = atomic_load(&hook_fn);
    if (fn)
        fn(atomic_load(&hook_ud));
    _exit(PV_EXIT_INTERRUPTED);
}

static void start_watcher(void)
{
    if (sem_init(&hook_sem, 0, 0) != 0)
        return;
    pthread_t thread;
    if (pthread_create(&thread, NULL, watcher_main, NULL) != 0)
        return;
    pthread_detach(thread);
    atomic_store(&watcher_ready, true);
}

void pv_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* One handler at a time: the count is the order the signals came in. */
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

void pv_signals_set_abort_hook(void (*fn)(void *ud), void *ud)
{
    if (fn)
        pthread_once(&watcher_once, start_watcher);
    atomic_store(&hook_ud, ud);
    atomic_store(&hook_fn, fn);
}

bool pv_signals_interrupted(void)
{
    if (signals_seen == 0)
        return false;
    if (!atomic_exchange(&announced, true))
        pv_log(PV_LOG_WARNING, "Received %s; finishing current batch then stopping",
               first_signo == SIGTERM ? "SIGTERM" : "SIGINT");
    return true;
}

pv_error *pv_signals_error(void)
{
    return pv_error_new(PV_EXIT_INTERRUPTED, "Running PrivaCI",
                        "Resume the run with `privaci resume`.",
                        "Interrupted by signal (SIGINT/SIGTERM).");
}
