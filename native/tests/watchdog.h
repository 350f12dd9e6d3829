/* A hang detector for the C tests: the tests wait for events (a message, a peer's death, a child's exit)
 * without time limits of their own, so a busy machine only makes them slower. Should an awaited event
 * never come (a bug), this turns the hang into a failure that names the test, long after any slow run. */
#ifndef SYSVIPC_WATCHDOG_H
#define SYSVIPC_WATCHDOG_H

#include <signal.h>
#include <string.h>
#include <unistd.h>

#define WATCHDOG_SECONDS 600

static const char *watchdog_name;

static void watchdog_fired(int sig)
{
    (void)sig;
    static const char prefix[] = "HUNG: ";
    static const char suffix[] = ": an awaited event never came (watchdog, " "600" " s)\n";
    ssize_t ignored = write(2, prefix, sizeof prefix - 1);
    ignored = write(2, watchdog_name, strlen(watchdog_name));
    ignored = write(2, suffix, sizeof suffix - 1);
    (void)ignored;
    _exit(1);
}

/* Arms the watchdog for this process (forked children do not inherit it; they see the parent die). */
static inline void watchdog_start(const char *name)
{
    watchdog_name = name;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = watchdog_fired;
    sigaction(SIGALRM, &sa, NULL);
    alarm(WATCHDOG_SECONDS);
}

#endif
