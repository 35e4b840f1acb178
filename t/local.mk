# Integration tests: Perl TAP scripts driving the real binaries through nginx
# (t/lib/AgentdTest.pm).  Run by "make check" through tap-driver.sh, or
# directly: prove -v t/ (after a build, from the top of the source tree).
AGD_T_TESTS = \
	t/00-build.t \
	t/01-style.t \
	t/02-layers.t \
	t/03-source-check.t \
	t/05-nginx.t \
	t/06-install.t \
	t/07-systemd.t \
	t/09-holder-spare.t \
	t/10-sessions.t \
	t/11-session-io.t \
	t/12-complete.t \
	t/13-delete.t \
	t/20-errors.t \
	t/21-limits.t \
	t/26-queue-full.t \
	t/27-debrief-cap.t \
	t/22-host-origin.t \
	t/23-agent-start.t \
	t/24-rest-busy.t \
	t/26-screen-dialogs.t \
	t/54-approve-keys.t \
	t/25-machines-cache.t \
	t/28-sandbox.t \
	t/29-agent-user.t \
	t/30-restart.t \
	t/89-adopt-adapter.t \
	t/31-emfile.t \
	t/32-upgrade.t \
	t/33-openapi.t \
	t/34-logs.t \
	t/35-webhooks.t \
	t/36-metrics.t \
	t/37-metrics-values.t \
	t/38-direct-input.t \
	t/39-direct-hangup.t \
	t/40-ctl.t \
	t/41-holder-forged.t \
	t/42-holder-auth.t \
	t/43-control-plane.t \
	t/44-hook-quoting.t \
	t/45-approval-spoof.t \
	t/46-delete-setsid.t \
	t/47-ws-audit.t \
	t/48-webhook-flood.t \
	t/49-hook-slots.t \
	t/50-two-stacks.t \
	t/51-stream-cap-interrupt.t t/52-folder-trust.t t/53-sandbox-settings.t \
	t/59-stream-approval-restart.t \
	t/67-faults.t \
	t/92-stream.t

TESTS += $(AGD_T_TESTS)
AM_T_LOG_FLAGS = -I$(srcdir)/t/lib

EXTRA_DIST += \
	$(AGD_T_TESTS) \
	t/lib/AgentdTest.pm \
	t/lib/FcgiClient.pm \
	t/lib/SourceCheck.pm \
	t/bin/timed \
	t/bin/fake-agent \
	t/bin/fake-claude-stream \
	t/bin/sandbox-probe \
	t/bin/hook-probe \
	t/bin/approval-spoof \
	t/bin/hook-hold \
	t/bin/setsid-agent \
	t/bin/fake-backend \
	t/bin/webhook-receiver \
	conf/gen-nginx \
	conf/nginx.conf.in \
	conf/agentd-locations.conf.in \
	conf/agentd.conf.example \
	.ci/run \
	.ci/package
