/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the checkpoint and restart tools: print the lines the kernel
 * wrote on the log pipe of a failed checkpoint(2) or restart(2).
 */
#ifndef _CKPT_LOG_H
#define _CKPT_LOG_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Print to stderr every line read from @logfd, each prefixed with "@prog: "
 * unless it already starts with @prefix ("checkpoint: ").  Returns whether
 * there was any line.
 */
static bool ckpt_print_log(int logfd, const char *prog, const char *prefix)
{
	char log[1024];
	size_t len = 0;
	ssize_t n;
	char *line, *next;
	bool any = false;

	while (len < sizeof(log) - 1 &&
	       (n = read(logfd, log + len, sizeof(log) - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += n;
	}
	log[len] = '\0';
	for (line = log; *line; line = next) {
		next = strchrnul(line, '\n');
		if (*next)
			*next++ = '\0';
		if (!*line)
			continue;
		if (strncmp(line, prefix, strlen(prefix)))
			fprintf(stderr, "%s: ", prog);
		fprintf(stderr, "%s\n", line);
		any = true;
	}
	return any;
}

#endif /* _CKPT_LOG_H */
