# agentd worker, the end of a remote worker and the undo of a failed dispatch
# (daemon/worker.c sends it over ssh as sh -c). $1 repo, $2 branch, $3 worktree,
# $4 tmux session, $5 base commit, $6 base branch. Stops the agent, prints
# dirty=N ahead=M, then removes the worktree and the branch if both are 0 and
# prints "removed".
# This comment block is dropped when the script is embedded (daemon/sh/mkscripts.pl).
R=$1 B=$2 W=$3 S=$4 base=$5 bb=$6
tmux -L "$S" kill-session -t "=$S" >/dev/null 2>&1
cd / || exit 6
git -C "$R" rev-parse --git-dir >/dev/null 2>&1 ||    { echo "not a git repository on the remote: $R" >&2; exit 4; }
dirty=0
if [ -d "$W" ]; then
	st=$(git -C "$W" status --porcelain --untracked-files=all) ||	    { echo "git status in $W failed" >&2; exit 6; }
	dirty=$(printf '%s' "$st" | grep -c .)
fi
ahead=0
if git -C "$R" rev-parse -q --verify "refs/heads/$B" >/dev/null; then
	set -- "refs/heads/$B"
	git -C "$R" cat-file -e "$base^{commit}" 2>/dev/null && set -- "$@" "^$base"
	if [ -n "$bb" ] && [ "$bb" != "$B" ] &&
	    git -C "$R" rev-parse -q --verify "refs/heads/$bb" >/dev/null; then
		set -- "$@" "^refs/heads/$bb"
	fi
	ahead=$(git -C "$R" rev-list --count "$@") || exit 6
fi
echo "dirty=$dirty ahead=$ahead"
[ "$dirty" = 0 ] && [ "$ahead" = 0 ] || exit 0
if [ -d "$W" ]; then git -C "$R" worktree remove --force "$W" || exit 6; fi
git -C "$R" worktree prune
git -C "$R" branch -D "$B" >/dev/null 2>&1
echo removed
