/* SPDX-License-Identifier: MIT */
/*
 * The node's name service through its proxy's export 0 (docs/PROXY.md,
 * "Naming"): NAME_LOOKUP and NAME_LIST as include/uk/proto/name.h lays
 * them out. The node's proxy answers them for its own node only, so the
 * request's node is 0.
 */
#include <stdlib.h>
#include <string.h>

#include "pxh.h"

int pxh_lookup(struct pxh_peer *p, const char *name, pxh_import_t *out)
{
	struct uk_name_req rq;
	size_t n = strlen(name);

	*out = 0;
	if (!n || n >= UK_NAME_MAX)
		return -ERR_INVALID;
	memset(&rq, 0, sizeof(rq));
	memcpy(rq.name, name, n);
	struct pxh_reply *r = malloc(sizeof(*r));
	if (!r)
		return -ERR_NO_MEMORY;
	int rc = pxh_call(p, PXH_NAME_SERVICE, NAME_LOOKUP, &rq, sizeof(rq), r);
	if (rc == 0) {
		rc = pxh_reply_status(r, NAME_LOOKUP, NULL, NULL);
		if (rc == 0 && (r->n_caps < 1 || !r->caps[0]))
			rc = -ERR_INVALID; /* a success without the right */
		if (rc == 0) {
			*out = r->caps[0];
			r->caps[0] = 0;
		}
		pxh_reply_free(p, r);
	}
	free(r);
	return rc;
}

/* The longest list we take: the name server's tables are far smaller. */
#define LIST_MAX 4096u

long pxh_list(struct pxh_peer *p, struct uk_name_entry **out)
{
	struct uk_name_entry *v = NULL;
	uint32_t have = 0;
	long rc = 0;

	*out = NULL;
	struct pxh_reply *r = malloc(sizeof(*r));
	if (!r)
		return -ERR_NO_MEMORY;
	for (;;) {
		struct uk_name_list_req rq = {have, 0};
		struct uk_name_list_reply head;
		const uint8_t *body;
		uint32_t len;

		rc = pxh_call(p, PXH_NAME_SERVICE, NAME_LIST, &rq, sizeof(rq),
			      r);
		if (rc < 0)
			break;
		rc = pxh_reply_status(r, NAME_LIST, &body, &len);
		if (rc == 0 && len < sizeof(head))
			rc = -ERR_INVALID;
		if (rc < 0) {
			pxh_reply_free(p, r);
			break;
		}
		memcpy(&head, body, sizeof(head));
		if (head.count > UK_NAME_LIST_MAX ||
		    len - sizeof(head) < head.count * sizeof(*v) ||
		    have + head.count > LIST_MAX) {
			pxh_reply_free(p, r);
			rc = -ERR_INVALID;
			break;
		}
		struct uk_name_entry *grown =
		    realloc(v, (have + head.count + 1) * sizeof(*v));
		if (!grown) {
			pxh_reply_free(p, r);
			rc = -ERR_NO_MEMORY;
			break;
		}
		v = grown;
		memcpy(v + have, body + sizeof(head), head.count * sizeof(*v));
		for (uint32_t i = have; i < have + head.count; i++) {
			v[i].name[UK_NAME_MAX - 1] = '\0';
			v[i].target[UK_NAME_MAX - 1] = '\0';
		}
		have += head.count;
		pxh_reply_free(p, r);
		if (!head.count || have >= head.total)
			break;
	}
	free(r);
	if (rc < 0) {
		free(v);
		return rc;
	}
	*out = v;
	return (long)have;
}
