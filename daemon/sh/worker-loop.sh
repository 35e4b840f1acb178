# agentd worker, the command of a remote worker's session, run here by its
# holder: $1 session name, $2 agentd, $3 HOME, $4 host, $5..$8 the remote
# commands attach, has-session, kill-session and "cat exit status", then ssh and
# its options. A drop of the attach (ssh failing or killed) is a "link down"
# event, the next working ssh a "link up"; the loop ends with the agent's status
# when the tmux session is gone. TERM (DELETE, shutdown) ends the remote agent
# too. No functions: in a trap "$@" must be the ssh command.
# This comment block is dropped when the script is embedded (daemon/sh/mkscripts.pl).
name=$1 agentd=$2 home=$3 host=$4 attach=$5 has=$6 kill=$7 code=$8
shift 8
trap 'trap "" HUP INT TERM; "$@" -T "$host" "$kill" </dev/null >/dev/null 2>&1; exit 143' HUP INT TERM
while :; do
	"$@" -tt "$host" "$attach"
	rc=$?
	down=0
	if [ "$rc" -ne 0 ]; then
		"$agentd" -H "$home" link "$name" down "ssh exited with status $rc" </dev/null >/dev/null 2>&1
		down=1
	fi
	while :; do
		"$@" -T "$host" "$has" </dev/null >/dev/null 2>&1
		h=$?
		[ "$h" -ne 255 ] && break
		if [ "$down" -eq 0 ]; then
			"$agentd" -H "$home" link "$name" down "ssh exited with status 255" </dev/null >/dev/null 2>&1
			down=1
		fi
		sleep 1
	done
	if [ "$down" -eq 1 ]; then
		"$agentd" -H "$home" link "$name" up </dev/null >/dev/null 2>&1
	fi
	if [ "$h" -ne 0 ]; then
		c=$("$@" -T "$host" "$code" </dev/null 2>/dev/null)
		case $c in ''|*[!0-9]*) exit 0 ;; esac
		exit "$c"
	fi
	[ "$rc" -eq 0 ] && sleep 1
done
