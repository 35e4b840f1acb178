# agentd worker, remote step 1 (daemon/worker.c sends it over ssh as sh -c).
# $1 repo, $2 branch, $3 worktree, $4 tmux session: the clone exists, the
# branch, the worktree and the tmux session do not, git and tmux run.
# Exit 3: a program is missing, 4: not a repository, 5: something exists.
# This comment block is dropped when the script is embedded (daemon/sh/mkscripts.pl).
R=$1 B=$2 W=$3 S=$4
for p in git tmux; do
	command -v "$p" >/dev/null 2>&1 ||	    { echo "$p not found on the remote" >&2; exit 3; }
done
git -C "$R" rev-parse --git-dir >/dev/null 2>&1 ||    { echo "not a git repository on the remote: $R" >&2; exit 4; }
if git -C "$R" rev-parse -q --verify "refs/heads/$B" >/dev/null; then
	echo "branch $B exists in $R" >&2; exit 5
fi
if [ -e "$W" ]; then echo "$W exists" >&2; exit 5; fi
if tmux -L "$S" has-session -t "=$S" 2>/dev/null; then
	echo "tmux session $S exists" >&2; exit 5
fi
exit 0
