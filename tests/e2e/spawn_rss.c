/* tests/e2e/spawn_rss.c: run one command and report its wait status and its
 * own peak resident set size.
 *
 *   spawn_rss RESULT_FD CMD [ARG...]
 *
 * rftest.run() compiles this once per test process and starts every program
 * under test through it. Why not wait4() from Python: Linux keeps a process's
 * peak RSS across execve(), so a child forked (or vforked) from the Python
 * harness reports at least the harness's own ~20 MiB, and a memory test could
 * not see anything below that. A child forked from this small program starts
 * near zero. (bench/spawn.c does the same for the benchmarks; its report folds
 * "killed by signal N" into exit code 128+N, which the tests must tell apart.)
 *
 * On file descriptor RESULT_FD (inherited, not passed on to CMD) it writes one
 * line: "STATUS MAXRSS_KIB", STATUS the raw wait status. SIGTERM or SIGINT to
 * this program kills CMD with SIGKILL, by pid, and the line is still written.
 * Exit status: 0 when the line was written, 125 on a failure of our own (CMD's
 * exec failing is CMD's exit status 127). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t child_pid;

static void on_stop(int sig)
{
    (void)sig;
    if (child_pid > 0)
        kill(child_pid, SIGKILL);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: spawn_rss RESULT_FD CMD [ARG...]\n");
        return 125;
    }
    int fd = atoi(argv[1]);
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        perror("spawn_rss: result fd");
        return 125;
    }

    /* A stop request that arrives before the child's pid is known would be
     * lost: keep the signals blocked until then. */
    sigset_t stops, old;
    sigemptyset(&stops);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGINT);
    sigprocmask(SIG_BLOCK, &stops, &old);
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    pid_t pid = fork();
    if (pid < 0) {
        perror("spawn_rss: fork");
        return 125;
    }
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        execvp(argv[2], argv + 2);
        fprintf(stderr, "spawn_rss: %s: %m\n", argv[2]);
        _exit(127);
    }
    child_pid = pid;
    sigprocmask(SIG_SETMASK, &old, NULL);

    int status;
    struct rusage ru;
    pid_t got;
    do {
        got = wait4(pid, &status, 0, &ru);
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
        perror("spawn_rss: wait4");
        return 125;
    }
    if (dprintf(fd, "%d %ld\n", status, ru.ru_maxrss) < 0) {
        perror("spawn_rss: result");
        return 125;
    }
    return 0;
}
