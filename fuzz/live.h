/*
 * The live-path fuzz harnesses (live-ws.c, live-holder.c, live-ctl.c) share this:
 * a whole daemon in the fuzzer's process - agentd.c's globals and start-up, the
 * real listeners (ctl.sock, ws.sock) and one session adopted from a fake holder
 * that the harness plays - driven one input at a time by running the event loop
 * until it is idle. Built by fuzz/run with every daemon .c file but holder.c (agentd.c
 * with its main renamed), so no daemon code is stubbed.
 */
#ifndef AGD_FUZZ_LIVE_H
#define AGD_FUZZ_LIVE_H

#include <stddef.h>
#include <stdint.h>

/* Start the daemon in a fresh HOME under /tmp (once; later calls do nothing). */
void		 live_init(void);
/*
 * The name of a running session whose holder is the harness (adopting a new one
 * when the last has ended); its holder socket's fd in *hfd. Both borrowed.
 */
const char	*live_session(int *hfd);
/* Send a holder frame of this type on fd (the length is added). */
void		 live_holder_frame(int fd, int type, const void *p, size_t n);
/* Run the loop until nothing happens for a moment; drain fd (if not -1) meanwhile. */
void		 live_pump(int fd);
/* Connect to HOME/run/NAME (ctl.sock, ws.sock); the fd or -1. */
int		 live_connect(const char *name);
/* Write all of [p, p+n) to fd, pumping the loop while it would block. */
void		 live_write(int fd, const void *p, size_t n);

#endif
