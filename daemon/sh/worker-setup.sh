# agentd worker, remote step 3 (daemon/worker.c sends it over ssh as sh -c).
# $1 repo, $2 branch (pushed), $3 worktree, $4 tmux session, $5 cols, $6 rows,
# then the agent's command; the prompt is stdin (never on a command line: ps shows
# those to everyone, and one word may not pass 128 KiB). The pane runs the agent
# and leaves its exit status in the worktree's git dir; the last line of the
# output is gitdir=DIR. Undoes itself on failure (exit 6).
# This comment block is dropped when the script is embedded (daemon/sh/mkscripts.pl).
R=$1 B=$2 W=$3 S=$4 X=$5 Y=$6
shift 6
P=$(cat; echo .) || exit 6
P=${P%.}
cd / || exit 6
undo() {
	tmux -L "$S" kill-session -t "=$S" >/dev/null 2>&1
	git -C "$R" worktree remove --force "$W" >/dev/null 2>&1
	git -C "$R" worktree prune >/dev/null 2>&1
	git -C "$R" branch -D "$B" >/dev/null 2>&1
	exit 6
}
mkdir -p "${W%/*}" || undo
git -C "$R" worktree add --quiet "$W" "$B" || undo
c=$(cd "$R" && cd "$(git rev-parse --git-common-dir)" && pwd) || undo
if ! grep -qsx '/.worktrees/' "$c/info/exclude"; then
	mkdir -p "$c/info" &&
	    printf '# agentd: worker worktrees\n/.worktrees/\n' >> "$c/info/exclude"
fi
g=$(git -C "$W" rev-parse --absolute-git-dir) || undo
tmux -L "$S" new-session -d -s "$S" -x "$X" -y "$Y" -c "$W" sh -c '"$@"; echo $? > "$0"' "$g/agentd-exit" "$@" || undo
tmux -L "$S" set-option -t "=$S:" status off >/dev/null || undo
if [ -n "$P" ]; then
	printf %s "$P" | tmux -L "$S" load-buffer -b "agentd-$S" - &&
	    tmux -L "$S" paste-buffer -d -r -b "agentd-$S" -t "=$S:" &&
	    tmux -L "$S" send-keys -t "=$S:" Enter || undo
fi
echo "gitdir=$g"
