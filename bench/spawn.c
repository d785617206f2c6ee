/* bench/spawn.c: run one command and report its own resource usage.
 *
 *   spawn RESULT_FILE TIMEOUT_S CMD [ARG...]
 *
 * bench/run (rfbench/measure.py) compiles this at run time (cc, into a temp
 * dir) and starts every measured tool through it. Why not wait4() from Python
 * directly: Linux keeps a process's peak RSS across execve(), and a child
 * forked from the harness starts with the harness's peak (~100 MiB with the
 * corpus cached), so every tool would show the harness's RSS. A child forked
 * from this tiny static program starts near zero.
 *
 * RESULT_FILE gets one line: "exit wall_ns utime_us stime_us maxrss_kib timed_out"
 * where exit is the exit code, or 128+signal. The command is killed (SIGKILL,
 * by pid) after TIMEOUT_S seconds, or when this program gets SIGTERM/SIGINT.
 * Exit status: 0 when the line was written, 125 on a failure of our own. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
    (void)sig;
    timed_out = 1;
    if (child_pid > 0)
        kill(child_pid, SIGKILL);
}

static void on_stop(int sig)
{
    (void)sig;
    if (child_pid > 0)
        kill(child_pid, SIGKILL);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: spawn RESULT_FILE TIMEOUT_S CMD [ARG...]\n");
        return 125;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("spawn: fork");
        return 125;
    }
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        execvp(argv[3], argv + 3);
        fprintf(stderr, "spawn: %s: exec failed\n", argv[3]);
        _exit(127);
    }
    child_pid = pid;
    alarm((unsigned)atoi(argv[2]));

    int status;
    struct rusage ru;
    pid_t got;
    do {
        got = wait4(pid, &status, 0, &ru);
    } while (got < 0 && errno == EINTR);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    alarm(0);
    if (got < 0) {
        perror("spawn: wait4");
        return 125;
    }

    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    long long wall_ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    FILE *f = fopen(argv[1], "w");
    if (!f) {
        perror("spawn: result file");
        return 125;
    }
    fprintf(f, "%d %lld %lld %lld %ld %d\n", code, wall_ns,
            (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
            (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec,
            ru.ru_maxrss, (int)timed_out);
    return fclose(f) == 0 ? 0 : 125;
}
