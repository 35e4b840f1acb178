/* libFuzzer target: the WebSocket upgrade request parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ws-parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct agd_conf	*conf;
	struct ws_upgrade	 u;
	struct ws_fail		 f;
	char			*req, *cause;

	if (conf == NULL && (conf = agd_conf_load(NULL, &cause)) == NULL)
		abort();
	req = malloc(size + 1);
	memcpy(req, data, size);
	req[size] = '\0';
	if (ws_parse_upgrade(req, conf, &u, &f) == 0) {
		/* What comes out is bounded and well formed. */
		if (strlen(u.key) != WS_KEY_LEN || strlen(u.name) > AGD_NAME_MAX)
			abort();
	} else if (f.status < 400 || f.code == NULL || f.msg == NULL)
		abort();
	free(req);
	return (0);
}
