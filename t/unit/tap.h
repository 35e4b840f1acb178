/* A minimal TAP producer for the C unit tests. */
#ifndef AGD_TAP_H
#define AGD_TAP_H

#include <stdio.h>
#include <string.h>

static int	tap_n, tap_failed;

#define ok(cond, ...) do {						\
	int _c = (cond) ? 1 : 0;					\
	tap_n++;							\
	if (_c)								\
		printf("ok %d - ", tap_n);				\
	else {								\
		printf("not ok %d - ", tap_n);				\
		tap_failed++;						\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!_c)							\
		printf("#   failed at %s:%d\n", __FILE__, __LINE__);	\
} while (0)

#define is_int(a, b, ...) do {						\
	long long _a = (a), _b = (b);					\
	ok(_a == _b, __VA_ARGS__);					\
	if (_a != _b)							\
		printf("#   got %lld, expected %lld\n", _a, _b);	\
} while (0)

#define is_str(a, b, ...) do {						\
	const char *_a = (a), *_b = (b);				\
	int _ok = _a != NULL && _b != NULL && strcmp(_a, _b) == 0;	\
	ok(_ok, __VA_ARGS__);						\
	if (!_ok)							\
		printf("#   got '%s', expected '%s'\n", _a ? _a : "(null)", _b ? _b : "(null)"); \
} while (0)

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return (tap_failed != 0);
}

#endif
