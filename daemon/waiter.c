/*
 * The one kind of waiter (waiter.h): how a subsystem answers a command that
 * waited, through the callback its command layer left, without knowing the
 * client. A helper below the subsystems: it calls only through the pointers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "agentd.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "waiter.h"

void
waiter_hold(struct waiter *w, waiter_cancel_cb cb, void *arg)
{
	w->cancel = cb;
	w->cancel_arg = arg;
}

void
waiter_reply(struct waiter *w, int status, struct json_object *body)
{
	w->done(w, status, body);
}

void
waiter_verror(struct waiter *w, enum agd_err code, const char *fmt, va_list ap)
{
	char	*msg;

	if (vasprintf(&msg, fmt, ap) == -1)
		fatalx("out of memory");
	waiter_reply(w, agd_err_code_status(code), agd_json_error(agd_err_word(code), msg));
	free(msg);
}

void
waiter_error(struct waiter *w, enum agd_err code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	waiter_verror(w, code, fmt, ap);
	va_end(ap);
}

void
waiter_reply_session(struct waiter *w, int status, int64_t id)
{
	struct json_object	*o;

	if ((o = persist_session_json(id)) != NULL)
		waiter_reply(w, status, o);
	else
		waiter_error(w, AGD_ERR_INTERNAL, "session vanished");
}

void
waiter_cancel(struct waiter *w)
{
	if (w->cancel != NULL)
		w->cancel(w, w->cancel_arg);
	free(w);
}
