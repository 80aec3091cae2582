// SPDX-License-Identifier: GPL-2.0
/* log.c — messages on stderr, or syslog with --syslog. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "log.h"

int nw_verbose;
bool nw_syslog;

void nw_log_open(bool use_syslog)
{
	nw_syslog = use_syslog;
	if (use_syslog)
		openlog("numaweave", LOG_PID, LOG_DAEMON);
}

/*
 * stderr is journald's stream (systemd sets JOURNAL_STREAM to its device and
 * inode): each line then starts with its priority, "<3>" for an error, as
 * sd-daemon(3) describes, so `journalctl -p warning` finds warnings.
 */
static bool to_journal(void)
{
	static int yes = -1;
	const char *js;
	unsigned long long dev, ino;
	struct stat st;

	if (yes < 0) {
		js = getenv("JOURNAL_STREAM");
		yes = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && !fstat(STDERR_FILENO, &st) &&
		      st.st_dev == dev && st.st_ino == ino;
	}
	return yes;
}

static void vlog(int prio, const char *tag, const char *fmt, va_list ap)
{
	if (nw_syslog) {
		va_list copy;

		va_copy(copy, ap);
		vsyslog(prio, fmt, copy);
		va_end(copy);
		if (prio > LOG_ERR)
			return;
		/* errors also where the operator sees them (no syslog daemon may run) */
	}
	if (to_journal())
		fprintf(stderr, "<%d>%s", prio, tag);
	else
		fprintf(stderr, "numaweave: %s", tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define DEFINE_LOG(name, prio, tag, cond)		\
	void name(const char *fmt, ...)			\
	{						\
		va_list ap;				\
		if (!(cond))				\
			return;				\
		va_start(ap, fmt);			\
		vlog(prio, tag, fmt, ap);		\
		va_end(ap);				\
	}

DEFINE_LOG(nw_err, LOG_ERR, "", 1)
DEFINE_LOG(nw_warn, LOG_WARNING, "warning: ", 1)
DEFINE_LOG(nw_info, LOG_INFO, "", nw_verbose >= 1)
DEFINE_LOG(nw_debug, LOG_DEBUG, "debug: ", nw_verbose >= 2)

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t nw_now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t nw_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

uint64_t nw_thread_cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

uint64_t nw_process_cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

/* sd_notify(3) without libsystemd, to NOTIFY_SOCKET if set. */
void nw_sd_notify(const char *fmt, ...)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char msg[512];
	socklen_t len;
	va_list ap;
	int fd;

	if (!sock || (sock[0] != '/' && sock[0] != '@') || strlen(sock) >= sizeof(sa.sun_path))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(sa.sun_path, sock, strlen(sock));
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = 0;	/* abstract namespace */
	len = offsetof(struct sockaddr_un, sun_path) + strlen(sock);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		nw_debug("sd_notify %s: %s", sock, strerror(errno));
	close(fd);
}
