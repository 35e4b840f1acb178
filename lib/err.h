#ifndef AGD_ERR_H
#define AGD_ERR_H

/*
 * One table for every error a client can see: machine word -> HTTP status.
 * The wire shape is always {"error": "human text", "code": "machine_word"}.
 */
int		 agd_err_status(const char *code);	/* 500 for an unknown word */
const char	*agd_err_reason(int status);		/* "Not Found" */

#endif
