# Workers in git worktrees, here and on another machine over SSH (issue: workers).
# t/91 starts its own sshd (openssh-server) and needs tmux and git.
AGD_T_WORKER_TESTS = t/90-workers.t t/91-workers-remote.t
TESTS += $(AGD_T_WORKER_TESTS)
EXTRA_DIST += $(AGD_T_WORKER_TESTS)
