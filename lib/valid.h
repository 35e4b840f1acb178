/* Checks of client-supplied strings shared by the daemon and agentd-fcgi. */
#ifndef AGD_VALID_H
#define AGD_VALID_H

#include <stddef.h>

/* 1 if s matches ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ and is no route's literal segment */
int	agd_valid_name(const char *s);
/* 1 if s is one of success|failure|partial|cancelled */
int	agd_valid_completion(const char *s);

/* 1 if s is an http:// or https:// URL with a host, printable, at most 2048 bytes */
int	agd_valid_issue_url(const char *s);
/* The issue number in an issue URL (.../issues/42, .../-/issues/42, PROJ-42); 0 if none */
long long agd_issue_number(const char *url);

#endif
