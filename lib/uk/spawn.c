/* SPDX-License-Identifier: MIT */
/* Starting and waiting for child tasks. */
#include <string.h>
#include <ulib.h>

long spawn_image(const void *image, size_t len, const char *name,
		 const char *const argv[], int priority)
{
	/* A child inherits the bootstrap right (a copy), so it can find
	 * services as its parent does. */
	struct uk_task_right r = { ns_port(), UK_DISP_COPY_SEND };

	return spawn_image_rights(image, len, name, argv, priority, &r, r.name ? 1 : 0);
}

long spawn_image_rights(const void *image, size_t len, const char *name,
			const char *const argv[], int priority,
			const struct uk_task_right *rights, unsigned n_rights)
{
	return spawn_image_mcp(image, len, name, argv, priority, SPAWN_MCP_INHERIT,
			       rights, n_rights);
}

long spawn_image_mcp(const void *image, size_t len, const char *name,
		     const char *const argv[], int priority, unsigned mcp,
		     const struct uk_task_right *rights, unsigned n_rights)
{
	return spawn_image_quota(image, len, name, argv, priority, mcp,
				 SPAWN_QUOTA_SHARED, rights, n_rights);
}

long spawn_image_quota(const void *image, size_t len, const char *name,
		       const char *const argv[], int priority, unsigned mcp,
		       uint64_t quota, const struct uk_task_right *rights,
		       unsigned n_rights)
{
	static union {
		struct uk_task_args a;
		char bytes[sizeof(struct uk_task_args) + UK_TASK_ARGS_MAX];
	} req;
	size_t used = 0;
	uint32_t argc = 0;

	memset(&req.a, 0, sizeof(req.a));
	strlcpy(req.a.name, name, sizeof(req.a.name));
	req.a.priority = priority;
	if (mcp != SPAWN_MCP_INHERIT) {
		req.a.flags = UK_TASK_ARGS_MCP;
		req.a.mcp = (uint8_t)(mcp > 255 ? 255 : mcp); /* >31 is refused */
	}
	if (quota != SPAWN_QUOTA_SHARED) {
		req.a.flags |= UK_TASK_ARGS_QUOTA;
		req.a.quota = quota;
	}
	for (; argv && argv[argc]; argc++) {
		size_t n = strlen(argv[argc]) + 1;
		if (used + n > UK_TASK_ARGS_MAX)
			return -ERR_TOO_BIG;
		memcpy(req.a.argv_blob + used, argv[argc], n);
		used += n;
	}
	req.a.argc = argc;
	req.a.argv_len = (uint32_t)used;
	if (n_rights > UK_TASK_RIGHTS_MAX)
		return -ERR_TOO_BIG;
	req.a.n_rights = n_rights;
	for (unsigned i = 0; i < n_rights; i++)
		req.a.rights[i] = rights[i];
	return uk_task_create(image, len, &req.a, sizeof(req.a) + used);
}

long wait_task(uint64_t task, struct uk_exit_status *status, uint64_t timeout_ns)
{
	return uk_task_wait(task, status, timeout_ns);
}
