/* SPDX-License-Identifier: MIT */
/*
 * ipcecho: the server side of ipcbench. Its bootstrap right
 * (uk_startup.rights[0]) is the receive right of the port it serves; it
 * answers every call with a header-only reply until a message with id
 * IPCECHO_QUIT arrives.
 */
#include <string.h>
#include <ulib.h>

#define IPCECHO_QUIT 0xdeadu

static uint8_t in[UK_MSG_SIZE_MAX] __attribute__((aligned(16)));

int main(int argc, char **argv)
{
	struct uk_msg_header reply;
	struct uk_msg_header *req = (struct uk_msg_header *)in;
	uk_name_t port = uk_startup_info->rights[0];
	long rc = uk_ipc_receive(port, req, sizeof(in), UK_TIMEOUT_INFINITE);

	memset(&reply, 0, sizeof(reply));
	reply.size = sizeof(reply);
	reply.dest_disposition = UK_DISP_MOVE_SEND_ONCE;
	while (rc >= 0 && req->id != IPCECHO_QUIT) {
		/* Out-of-line regions arrive as new memory: give it back. */
		struct uk_msg_ool *ool = (struct uk_msg_ool *)(in +
			sizeof(*req) + req->n_ports * sizeof(struct uk_msg_port));
		for (unsigned i = 0; i < req->n_ool; i++)
			if (ool[i].address)
				uk_vm_free(ool[i].address, ool[i].size);
		reply.id = req->id;
		reply.dest = req->reply;
		rc = uk_ipc_reply_receive(&reply, sizeof(reply), port, req,
					  sizeof(in), UK_TIMEOUT_INFINITE);
	}
	if (rc < 0)
		printf("ipcecho: %s\n", err_str(rc));
	return rc < 0;
}
