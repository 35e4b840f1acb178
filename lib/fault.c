/* Fault injection: which calls fail, read from AGD_FAULT (see fault.h). */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "log.h"

#ifdef AGD_FAULT_INJECTION

/* What one kind is called in AGD_FAULT, and the errno its failure sets. */
static const struct {
	const char	*name;
	int		 error;
} fault_kinds[AGD_FAULT_NKINDS] = {
	{ "malloc", ENOMEM },
	{ "write", EPIPE },
	{ "disk", ENOSPC },
	{ "fork", EAGAIN },
	{ "step", ENOSPC },
};

struct fault_rule {
	unsigned long	 first;		/* 0: this kind never fails */
	unsigned long	 count;		/* 0: every call from first on */
};

static struct fault_rule	fault_rules[AGD_FAULT_NKINDS];
/* Calls so far; atomic because the persist worker thread steps too. */
static atomic_ulong		fault_calls[AGD_FAULT_NKINDS];
static int			fault_on;

void
agd_fault_init(void)
{
	const char	*env;
	char		*copy, *item, *save, *end;
	unsigned long	 n, k;
	int		 i;

	if ((env = getenv("AGD_FAULT")) == NULL || *env == '\0')
		return;
	/* Plain strdup: xmalloc counts itself through the hook. */
	if ((copy = strdup(env)) == NULL)
		fatalx("AGD_FAULT: out of memory");
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < AGD_FAULT_NKINDS; i++) {
			n = strlen(fault_kinds[i].name);
			if (strncmp(item, fault_kinds[i].name, n) == 0 && item[n] == ':')
				break;
		}
		if (i == AGD_FAULT_NKINDS)
			fatalx("AGD_FAULT: unknown kind in \"%s\"", item);
		item += strlen(fault_kinds[i].name) + 1;
		n = strtoul(item, &end, 10);
		k = 1;
		if (*end == ':')
			k = strtoul(end + 1, &end, 10);
		if (n == 0 || *end != '\0')
			fatalx("AGD_FAULT: want KIND:N[:K] with N >= 1");
		fault_rules[i].first = n;
		fault_rules[i].count = k;
		fault_on = 1;
	}
	free(copy);
	unsetenv("AGD_FAULT");
	log_info("fault injection: %s", env);
}

int
agd_fault(enum agd_fault_kind kind)
{
	const struct fault_rule	*r = &fault_rules[kind];
	unsigned long		 n;

	if (!fault_on || r->first == 0)
		return (0);
	n = atomic_fetch_add(&fault_calls[kind], 1) + 1;
	if (n < r->first || (r->count != 0 && n >= r->first + r->count))
		return (0);
	if (kind != AGD_FAULT_MALLOC)	/* log_info itself may allocate */
		log_info("fault: %s call %lu", fault_kinds[kind].name, n);
	else
		fprintf(stderr, "agentd: fault: malloc call %lu\n", n);
	errno = fault_kinds[kind].error;
	return (1);
}

#endif
