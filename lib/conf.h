/* The configuration file (agentd.conf) both programs load, and its settings. */
#ifndef AGD_CONF_H
#define AGD_CONF_H

#include <stddef.h>
#include <stdint.h>

/* Permission modes, in the order of the seed's table. */
#define AGD_MODE_DEFAULT	0
#define AGD_MODE_ACCEPT_EDITS	1
#define AGD_MODE_BYPASS		2
#define AGD_MODE_COUNT		3

struct agd_agent {
	char	*type;				/* agentType */
	char	*argv[AGD_MODE_COUNT];		/* argv template per mode (unsplit) */
	/*
	 * adapter = KIND|none: which agent kind drives it (the daemon checks the
	 * name); NULL: the type's name if a kind has it, else none (never the
	 * program's name).
	 */
	char	*adapter;
	struct agd_agent *next;
};

/* A machine workers can run on ([machine ID] sections; reached with OpenSSH). */
struct agd_machine {
	char	*id;
	char	*host;				/* ssh host name or address */
	char	*user;				/* NULL: ssh's default */
	int	 port;				/* 0: ssh's default */
	char	*work_root;			/* absolute; clones named like the local repos */
	char	*identity;			/* ssh -i, or NULL */
	char	*ssh_options;			/* extra -o KEY=VALUE words, blank separated */
	struct agd_machine *next;
};

/* The events a webhook may ask for (AGD_WH_*), a bit each. */
#define AGD_WH_WAITING_APPROVAL	0x01	/* an approval waits for a decision */
#define AGD_WH_TURN_END		0x02	/* the agent finished a turn (working -> idle) */
#define AGD_WH_EXITED		0x04	/* the agent's process ended */
#define AGD_WH_ERROR		0x08	/* an error event (a start that never came, ...) */
#define AGD_WH_CAPPED		0x10	/* a cost or token cap was reached */

/* A [webhook NAME] section: where attention events are POSTed. */
struct agd_webhook {
	char	*name;
	char	*url;				/* http:// or https:// */
	int	 events;			/* AGD_WH_* bits */
	char	*secret;			/* HMAC-SHA256 key; NULL: unsigned */
	int	 timeout_ms;			/* one attempt, connect to last byte */
	int	 retries;			/* attempts after the first */
	int	 retry_ms;			/* first backoff, doubled each time */
	struct agd_webhook *next;
};

struct agd_conf {
	int		 max_sessions;
	int		 kill_grace_ms;
	uint64_t	 log_max_bytes;
	char		*allowed_hosts;		/* blank separated */
	char		*env_deny;		/* blank separated, trailing * matches a prefix */
	char		*env_allow;		/* fnmatch patterns, blank separated: passed */
	char		*sandbox;		/* bwrap, off; NULL: bwrap if it works */
	char		*sandbox_bind;		/* blank separated absolute paths, read-write */
	char		*agent_user;		/* NULL: agents run as we do */
	char		*agent_users;		/* a pool of them, blank separated */
	int		 default_cols;
	int		 default_rows;
	char		*holder_path;		/* NULL: next to agentd, else libexecdir */
	uint64_t	 ws_ring_bytes;		/* recent output kept in memory per session */
	uint64_t	 ws_replay_bytes;	/* scrollback a new viewer gets without since */
	uint64_t	 ws_queue_bytes;	/* per viewer: queued past this, it reads the log */
	int		 ws_ping_ms;		/* ping interval; two missed pongs close */
	int		 ws_max_viewers;
	int		 ws_max_per_user;	/* of ws_max_viewers, one user's at most */
	uint64_t	 input_queue_bytes;	/* input held for a terminal not reading it */
	int		 message_queue_max;	/* messages waiting for a busy agent */
	int		 agent_start_timeout;	/* s: no sign of the agent, a plain terminal */
	int		 approval_timeout;	/* s: an approval is then decided; 0 never */
	int		 approval_timeout_allow;	/* and decided so: 1 allow, 0 deny */
	char		*max_cost_usd;		/* a session's cost cap; NULL: none */
	uint64_t	 max_tokens;		/* its token cap; 0: none */
	uint64_t	 debrief_answer_max;	/* an agent's debrief answer is cut past this */
	char		*home_root;		/* NULL: the home of the uid we run as */
	char		*project_roots;		/* blank separated; NULL: the home */
	char		*deny_paths;		/* blank separated, "~/" is the home */
	int		 debrief_long_minutes;	/* a session this long gets an AAR */
	int		 debrief_long_turns;
	int		 debrief_long_events;
	int		 debrief_short_secs;	/* deadline for the agent's hotwash */
	int		 debrief_long_secs;	/* and for its AAR */
	char		*debrief_prompt_hotwash;
	char		*debrief_prompt_aar;
	int		 auth;			/* AGD_AUTH_LOCAL, _NONE or _PROXY */
	char		*viewers;		/* users and @groups, blank separated */
	char		*operators;
	char		*admins;
	int		 default_role;		/* of an authenticated user not listed */
	int		 operators_manage_all;	/* operators may change others' sessions */
	int		 group_sockets;		/* fcgi.sock, ws.sock 0660 (nginx's group) */
	int		 log_level;		/* AGD_LOG_* (lib/log.h) */
	struct agd_agent *agents;
	char		*worktree_root;		/* NULL: <repo>/.worktrees */
	struct agd_machine *machines;		/* in the order of the file */
	struct agd_webhook *webhooks;		/* in the order of the file */
	char		*public_url;		/* the dashboard's address, for links */
};

/*
 * Load path (NULL: embedded defaults only). Returns a configuration the caller frees
 * with agd_conf_free; on failure NULL with *cause (the caller frees it).
 */
struct agd_conf		*agd_conf_load(const char *path, char **cause);
/* Free conf and everything in it; NULL is ignored. */
void			 agd_conf_free(struct agd_conf *);
/* The agent type's command lines ([agent TYPE] or a built-in), or NULL. Borrowed. */
const struct agd_agent	*agd_conf_agent(const struct agd_conf *, const char *type);
/*
 * A built-in agent type: add type with the command lines argv[AGD_MODE_*] (copied)
 * unless an [agent TYPE] section of the file defines it.
 */
void			 agd_conf_agent_default(struct agd_conf *, const char *type,
			    const char *const argv[AGD_MODE_COUNT]);
/* The machine of that id, or NULL ("local" is never a configured machine); borrowed. */
const struct agd_machine *agd_conf_machine(const struct agd_conf *, const char *id);
/*
 * The AGD_WH_* bit of a webhook event name ("waiting_approval", ...), 0 if unknown;
 * and the name of one bit (a static string, NULL if none).
 */
int			 agd_webhook_event(const char *, size_t);
const char		*agd_webhook_event_name(int);
/* Mode name -> AGD_MODE_*, accepting the older alias dangerouslySkipPermissions; -1 if unknown. */
int			 agd_mode_parse(const char *);
/* The name of an AGD_MODE_* ("default" for anything else); a static string. */
const char		*agd_mode_name(int);
/*
 * Split an argv template on blanks with '...' and "..." quoting. Returns a NULL-terminated
 * array the caller frees with agd_argv_free; NULL with *cause (the caller frees it).
 */
char			**agd_argv_split(const char *, int *argc, char **cause);
/* Free what agd_argv_split returned; NULL is ignored. */
void			 agd_argv_free(char **);
/* 1 if host (no port; IPv6 without brackets) is allowed by the config or $AGENTD_LISTEN. */
int			 agd_conf_host_allowed(const struct agd_conf *, const char *host,
			    size_t len);
/* 1 if the environment variable name is on the deny-list. */
int			 agd_conf_env_denied(const struct agd_conf *, const char *name, size_t len);

#endif
