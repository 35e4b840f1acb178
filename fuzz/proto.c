/* libFuzzer target: a control-socket frame (header + JSON), as the daemon reads it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "proto.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object	*o;
	uint32_t		 len;
	char			*cause;
	const char		*op = NULL;

	if (size < AGD_PROTO_HDR)
		return (0);
	if (agd_proto_parse_header(data, &len, &cause) == -1) {
		free(cause);
		return (0);
	}
	if (len > size - AGD_PROTO_HDR)
		return (0);
	if ((o = agd_json_parse((const char *)data + AGD_PROTO_HDR, len, &cause)) == NULL) {
		free(cause);
		return (0);
	}
	if (json_object_is_type(o, json_type_object))
		agd_json_get_string(o, "op", &op);
	json_object_put(o);
	return (0);
}
