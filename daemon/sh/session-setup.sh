# agentd session on a machine (POST /api/agents/sessions with a host; daemon/worker.c
# sends it over ssh as sh -c). $1 directory, $2 tmux session (also its tmux
# server, -L), $3 cols, $4 rows, then the agent's command; the prompt is stdin (a
# command line is public in ps, and short). Exit 4: no such directory; 5: the tmux
# session exists; 6: tmux failed. The pane runs the agent in the directory and
# leaves its exit status in a file; the last line of the output is exitfile=FILE.
# This comment block is dropped when the script is embedded (daemon/sh/mkscripts.pl).
W=$1 S=$2 X=$3 Y=$4
shift 4
P=$(cat; echo .) || exit 6
P=${P%.}
[ -d "$W" ] || { echo "no such directory on the machine: $W" >&2; exit 4; }
command -v tmux >/dev/null 2>&1 || { echo "tmux not found on the machine" >&2; exit 6; }
if tmux -L "$S" has-session -t "=$S" 2>/dev/null; then
	echo "tmux session $S exists" >&2
	exit 5
fi
E=${TMPDIR:-/tmp}/agentd-exit-$S
rm -f "$E"
tmux -L "$S" new-session -d -s "$S" -x "$X" -y "$Y" -c "$W" sh -c '"$@"; echo $? > "$0"' "$E" "$@" || exit 6
tmux -L "$S" set-option -t "=$S:" status off >/dev/null || exit 6
if [ -n "$P" ]; then
	printf %s "$P" | tmux -L "$S" load-buffer -b "agentd-$S" - &&
	    tmux -L "$S" paste-buffer -d -r -b "agentd-$S" -t "=$S:" &&
	    tmux -L "$S" send-keys -t "=$S:" Enter || exit 6
fi
echo "exitfile=$E"
