/* agentd: definitions shared by the daemon, the holder and the FastCGI handlers. */
#ifndef AGD_H
#define AGD_H

#include <stddef.h>
#include <stdint.h>

#define AGD_VERSION		"0.1.0"

/*
 * Return codes of lib/ functions: 0 (or a descriptor) on success, one of these on an
 * expected failure (libgit2 model), so a caller can tell which without parsing text
 * (agd_sock_listen: AGD_EEXISTS; agd_ctl_call: AGD_EUNAVAIL). What a client is told
 * is another table: the error codes of err.h.
 */
#define AGD_OK			0
#define AGD_ERROR		-1	/* generic */
#define AGD_ENOTFOUND		-2
#define AGD_EEXISTS		-3
#define AGD_EINVAL		-4
#define AGD_ETOOBIG		-5
#define AGD_EBUSY		-6
#define AGD_EPERM		-7
#define AGD_EUNAVAIL		-8

#define AGD_NAME_MAX		64		/* ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ */
/* An agent's umask: the files it makes in its working directory are the user's, readable. */
#define AGD_AGENT_UMASK		022
#define AGD_BODY_MAX		(1024 * 1024)	/* REST request body */
#define AGD_COMMENT_MAX		(16 * 1024)	/* completion comment */
#define AGD_MESSAGE_MAX		(256 * 1024)	/* message / prompt text */
#define AGD_REASON_MAX		4096		/* an approval's message to the agent */
/* pendingApproval.id, sent back with the decision: a UUID, room to spare. */
#define AGD_APPROVAL_ID_MAX	64
/* A session's caps: a million dollars, 2^53 tokens (a double still counts them). */
#define AGD_COST_CAP_MAX	1000000
#define AGD_TOKEN_CAP_MAX	(1LL << 53)

#endif
