#ifndef AGD_VALID_H
#define AGD_VALID_H

#include <stddef.h>

/* 1 if s matches ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ */
int	agd_valid_name(const char *s);
/* 1 if s is one of success|failure|partial|cancelled */
int	agd_valid_completion(const char *s);

#endif
