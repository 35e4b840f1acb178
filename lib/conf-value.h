/*
 * The checks of configured values that conf.c's tables name. Each check returns 0
 * if the value is acceptable and -1 if not; each parse returns the value or -1.
 * Internal to lib/conf*.c: nothing else includes this.
 */
#ifndef AGD_CONF_VALUE_H
#define AGD_CONF_VALUE_H

/* s without its leading and trailing blanks (trailing ones are cut in place). */
char	*conf_trim(char *s);
/* A decimal integer in [min, max] into *out. */
int	 conf_int(const char *v, long min, long max, long *out);
/* A non-empty blank separated list of absolute paths. */
int	 conf_abs_list(const char *v);
/* auth = local | none | proxy: AGD_AUTH_*. */
int	 conf_auth_parse(const char *v);
/* deny | allow: 0 or 1. */
int	 conf_decision_parse(const char *v);
/* A decimal amount of US dollars, not negative ("0.5", "12"). */
int	 conf_usd(const char *v);
/* yes | no: 1 or 0. */
int	 conf_yesno_parse(const char *v);
/* An absolute path with no blanks in it. */
int	 conf_abs_path(const char *v);
/* Blank separated words, each an absolute path, "~" or "~/..." (the home). */
int	 conf_home_list(const char *v);
/* An absolute path, or "" (the default). */
int	 conf_abs_or_empty(const char *v);
/* An absolute path, blanks allowed (a machine's work_root). */
int	 conf_abs(const char *v);
/* An ssh host name or address, and an ssh user name: nothing ssh reads as an option. */
int	 conf_ssh_host(const char *v);
int	 conf_ssh_user(const char *v);
/* Words of KEY=VALUE, each given to ssh as -o WORD: no quoting of any kind. */
int	 conf_ssh_options(const char *v);
/* Blank separated webhook event names: their AGD_WH_* bits. */
int	 conf_webhook_events(const char *v);
/* http:// or https://, then a host; no blank or control character anywhere. */
int	 conf_url(const char *v);

#endif
