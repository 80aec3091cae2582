/* SPDX-License-Identifier: GPL-2.0 */
/* log — messages by level on stderr (journald priorities) or syslog; sd_notify. */
#ifndef NW_LOG_H
#define NW_LOG_H

#include <stdbool.h>
#include <stdint.h>

extern int nw_verbose;
extern bool nw_syslog;

void nw_log_open(bool use_syslog);
/* "numaweave: " + message + "\n" on stderr (or syslog). */
void nw_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void nw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void nw_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void nw_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t nw_now_ns(void);
/* CLOCK_REALTIME, ns (for files others read: damo's snapshots). */
uint64_t nw_realtime_ns(void);
/* CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), of the process */
uint64_t nw_thread_cpu_ns(void);
uint64_t nw_process_cpu_ns(void);

/* sd_notify(3) without libsystemd: "READY=1", "RELOADING=1", "STATUS=..." */
void nw_sd_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
