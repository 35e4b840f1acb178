/* Validators for names and enumerations that cross a trust boundary. */
#include <ctype.h>
#include <string.h>

#include "agd.h"
#include "valid.h"

int
agd_valid_name(const char *s)
{
	size_t	i;

	if (s == NULL || !isalnum((unsigned char)s[0]) || (s[0] & 0x80))
		return (0);
	for (i = 1; s[i] != '\0'; i++) {
		if (i >= AGD_NAME_MAX)
			return (0);
		if ((s[i] & 0x80) || !(isalnum((unsigned char)s[i]) ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return (0);
	}
	return (1);
}

int
agd_valid_completion(const char *s)
{
	static const char *ok[] = { "success", "failure", "partial", "cancelled" };
	size_t	i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		if (strcmp(s, ok[i]) == 0)
			return (1);
	}
	return (0);
}
