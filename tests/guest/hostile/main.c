/* SPDX-License-Identifier: MIT */
/*
 * hostile MODE [ARG]: a misbehaving program the guest suite starts as a
 * child. Each fault mode does one thing a user program must not be able to
 * get away with; the kernel has to kill just this task and report why.
 * Other modes exercise exit paths and resource exhaustion.
 */
#include <stdlib.h>
#include <string.h>
#include <ulib.h>
#include <uk/proto/dev.h>

#define KERNEL_ADDRESS 0xffffffff80100000ull
#define NONCANONICAL 0x0000800000000000ull

static volatile uint64_t sink;
/* Addresses come through a volatile so the compiler cannot see them. */
static volatile uint64_t address_of[] = { 0, 8 };

/* This program does on purpose what the compiler warns about. */
#pragma GCC diagnostic ignored "-Winfinite-recursion"
#pragma GCC diagnostic ignored "-Warray-bounds"

__attribute__((noinline)) static uint64_t recurse(uint64_t n)
{
	volatile char pad[512];
	pad[0] = (char)n;
	return recurse(n + 1) + pad[0];
}

static void sleeper_thread(uint64_t arg)
{
	(void)arg;
	uk_sleep(UK_TIMEOUT_INFINITE);
	uk_thread_exit();
}

static void exiting_thread(uint64_t arg)
{
	(void)arg;
	uk_thread_exit();
}

/* Eat memory, then threads, until the kernel says no; report the errors. */
static int exhaust(void)
{
	long rc, regions = 0, threads = 0;

	while ((rc = uk_vm_allocate(1 << 20, UK_VM_READ | UK_VM_WRITE)) > 0)
		regions++;
	long vm_error = rc;
	/* All threads share one small stack: they only sleep. */
	static uint64_t stack[512] __attribute__((aligned(16)));
	while ((rc = uk_thread_create((uint64_t)sleeper_thread,
				      (uint64_t)&stack[510], 0,
				      UK_PRIORITY_DEFAULT)) > 0)
		threads++;
	printf("hostile: exhaust: %ld MiB then %s, %ld threads then %s\n",
	       regions, err_name(vm_error), threads, err_name(rc));
	/* Exit code: the two errors, so the parent can check both. */
	return (int)(-vm_error * 100 - rc);
}

static void spin_thread(uint64_t arg)
{
	(void)arg;
	for (;;)
		sink++;
}

/* The smallest image the kernel accepts: an ELF header, one read-execute
 * segment covering the file, and `jmp .` at the entry. */
static size_t tiny_image(uint8_t *img)
{
	const uint64_t base = 0x400000, size = 64 + 56 + 2;

	memset(img, 0, size);
	memcpy(img, "\177ELF\2\1\1", 7); /* 64-bit, little-endian, version 1 */
	img[16] = 2;			  /* ET_EXEC */
	img[18] = 62;			  /* EM_X86_64 */
	img[20] = 1;			  /* e_version */
	uint64_t entry = base + 64 + 56, phoff = 64;
	memcpy(img + 24, &entry, 8);
	memcpy(img + 32, &phoff, 8);
	img[52] = 64; /* e_ehsize */
	img[54] = 56; /* e_phentsize */
	img[56] = 1;  /* e_phnum */
	uint8_t *ph = img + 64;
	ph[0] = 1; /* PT_LOAD */
	ph[4] = 5; /* PF_R | PF_X */
	memcpy(ph + 16, &base, 8);
	memcpy(ph + 24, &base, 8);
	memcpy(ph + 32, &size, 8);
	memcpy(ph + 40, &size, 8);
	img[64 + 56] = 0xeb; /* jmp . */
	img[64 + 56 + 1] = 0xfe;
	return size;
}

/* Use up this task's kernel memory account: pages, then messages queued
 * to a port of its own, then port sets (its smallest objects), each until
 * ERR_LIMIT. 0, or the number of the step that did not end so. *port is
 * the queue, a receive right with a send right under the same name. */
static int quota_fill(uk_name_t *port)
{
	long rc, p = uk_port_allocate(UK_RIGHT_RECEIVE);

	if (p < 0 || uk_port_insert_right((uk_name_t)p, UK_DISP_MAKE_SEND) < 0 ||
	    uk_port_set_limit((uk_name_t)p, UK_PORT_QUEUE_MAX) < 0)
		return 1;
	*port = (uk_name_t)p;
	while ((rc = uk_vm_allocate(UK_PAGE_SIZE, UK_VM_READ | UK_VM_WRITE)) > 0)
		;
	if (rc != -ERR_LIMIT)
		return 2;
	struct uk_msg_header h = { .size = sizeof(h), .dest = *port };
	while ((rc = uk_ipc_send(&h, sizeof(h), 0)) == 0)
		;
	if (rc != -ERR_LIMIT)
		return 3;
	while ((rc = uk_port_allocate(UK_RIGHT_PORT_SET)) > 0)
		;
	return rc == -ERR_LIMIT ? 0 : 4;
}

/* derive-flood (ktest BADGE0010): fill the account with pages, give 8 of
 * them back, then derive from the delegable right rights[1] one right per
 * sub until the kernel refuses; give one more page back and report
 * {count, error} through rights[1] itself, then sleep until killed. Only
 * the names' table is left to grow, so the quota, not the table's size,
 * must stop it. */
static int derive_flood(void)
{
	uint64_t kept[9] = { 0 };
	long rc, n = 0;
	unsigned i = 0;

	if (uk_startup_info->n_rights < 2)
		return 30;
	uk_name_t d = uk_startup_info->rights[1];
	while ((rc = uk_vm_allocate(UK_PAGE_SIZE, UK_VM_READ | UK_VM_WRITE)) > 0)
		kept[i++ % 9] = (uint64_t)rc;
	if (rc != -ERR_LIMIT || i < 9)
		return 31;
	for (i = 0; i < 8; i++)
		uk_vm_free(kept[i], UK_PAGE_SIZE);
	while ((rc = uk_port_derive(d, (uint64_t)n + 1)) > 0)
		n++;
	uk_vm_free(kept[8], UK_PAGE_SIZE);
	struct {
		struct uk_msg_header h;
		int64_t count, error;
	} m = { { .size = sizeof(m), .id = 0xd1, .dest = d }, n, rc };
	if (uk_ipc_send(&m.h, sizeof(m), 0) < 0)
		return 32;
	uk_sleep(UK_TIMEOUT_INFINITE);
	return 0;
}

/* Modes of the quota tests (ktest QUOTA*), for a task started with a
 * small account of its own. quota-limits: at its quota, every kind of
 * kernel allocation fails with ERR_LIMIT (0, or the first check that did
 * not). quota-fill: send 8 messages of 1 KiB to rights[1] if given (they
 * stay charged to this task while queued), use up the rest, then sleep
 * until killed. */
static int quota(const char *mode)
{
	static uint64_t stack[256] __attribute__((aligned(16)));
	static uint8_t img[256];
	uk_name_t port;
	int rc;

	if (!strcmp(mode, "quota-fill")) {
		if (uk_startup_info->n_rights > 1) {
			static struct {
				struct uk_msg_header h;
				uint8_t body[1024];
			} m;
			m.h.size = sizeof(m);
			m.h.dest = uk_startup_info->rights[1];
			for (int i = 0; i < 8; i++)
				if (uk_ipc_send(&m.h, sizeof(m), 0) < 0)
					return 20;
		}
		if ((rc = quota_fill(&port)) != 0)
			return rc;
		uk_sleep(UK_TIMEOUT_INFINITE);
		return 0;
	}
	if (!strcmp(mode, "derive-flood"))
		return derive_flood();
	if (strcmp(mode, "quota-limits"))
		return -1;
	size_t img_len = tiny_image(img);
	long notify = uk_port_allocate(UK_RIGHT_RECEIVE);
	if (notify < 0)
		return 10;
	if ((rc = quota_fill(&port)) != 0)
		return rc;
	struct uk_msg_header h = { .size = sizeof(h), .dest = port };
	const char *argv[] = { "tiny", NULL };
	if (uk_port_allocate(UK_RIGHT_RECEIVE) != -ERR_LIMIT)
		return 11;
	if (uk_port_allocate(UK_RIGHT_PORT_SET) != -ERR_LIMIT)
		return 12;
	if (uk_vm_allocate(UK_PAGE_SIZE, UK_VM_READ | UK_VM_WRITE) != -ERR_LIMIT)
		return 13;
	if (uk_thread_create((uint64_t)exiting_thread, (uint64_t)&stack[254], 0,
			     UK_PRIORITY_DEFAULT) != -ERR_LIMIT)
		return 14;
	/* A child sharing this account, and one carved from it. */
	if (spawn_image_rights(img, img_len, "tiny", argv, UK_PRIORITY_DEFAULT,
			       NULL, 0) != -ERR_LIMIT)
		return 15;
	if (spawn_image_quota(img, img_len, "tiny", argv, UK_PRIORITY_DEFAULT,
			      SPAWN_MCP_INHERIT, 64 * 1024, NULL, 0) != -ERR_LIMIT)
		return 16;
	if (uk_ipc_send(&h, sizeof(h), 0) != -ERR_LIMIT)
		return 17;
	if (uk_port_request_notification(port, UK_NOTIFY_NO_SENDERS,
					 (uk_name_t)notify) != -ERR_LIMIT)
		return 18;
	/* What needs no memory still works: taking a message off the queue
	 * gives its charge back, and then one more fits. */
	static union {
		struct uk_msg_header h;
		uint8_t bytes[256];
	} in;
	if (uk_ipc_receive(port, &in.h, sizeof(in), 0) != sizeof(h) ||
	    uk_ipc_send(&h, sizeof(h), 0) != 0)
		return 19;
	return 0;
}

int main(int argc, char **argv);

/* Modes of the authority tests (ktest AUTH*); each returns 0 when the
 * kernel refused what it must, or the number of the first check that
 * failed. */
static int authority(const char *mode, const char *arg)
{
	static uint64_t stack[256] __attribute__((aligned(16)));
	uint64_t top = (uint64_t)&stack[254];

	/* mcp-probe N: our MCP is N: nothing above it, everything at it. */
	if (!strcmp(mode, "mcp-probe")) {
		long mcp = atoi(arg);
		struct uk_task_args a;
		memset(&a, 0, sizeof(a));
		strlcpy(a.name, "above", sizeof(a.name));
		if (uk_thread_create((uint64_t)spin_thread, top, 0, mcp + 1) !=
		    -ERR_PERMISSION)
			return 1;
		a.priority = mcp + 1;
		/* The image is our own code: refused before it is read, or
		 * read and found no ELF once the priority is allowed. */
		if (uk_task_create((const void *)(uintptr_t)main, 4096, &a, sizeof(a)) != -ERR_PERMISSION)
			return 2;
		a.priority = mcp;
		a.flags = UK_TASK_ARGS_MCP;
		a.mcp = (uint8_t)(mcp + 1);
		if (uk_task_create((const void *)(uintptr_t)main, 4096, &a, sizeof(a)) != -ERR_PERMISSION)
			return 3;
		a.mcp = (uint8_t)mcp;
		if (uk_task_create((const void *)(uintptr_t)main, 4096, &a, sizeof(a)) != -ERR_BAD_IMAGE)
			return 4;
		if (uk_thread_create((uint64_t)exiting_thread, top, 0, mcp) <= 0)
			return 5;
		return 0;
	}
	/* escalate: a busy loop at the highest priority we can get. */
	if (!strcmp(mode, "escalate")) {
		uk_thread_create((uint64_t)spin_thread, top, 0, UK_PRIORITY_MAX);
		spin_thread(0);
	}
	/* sibling ID: a task made by our parent is not ours to kill, wait
	 * for or see. */
	if (!strcmp(mode, "sibling")) {
		static struct uk_kinfo_task list[64];
		struct uk_exit_status st;
		uint64_t id = strtoul(arg, NULL, 16);
		if (uk_task_kill(id) != -ERR_NOT_FOUND) /* unseen, so unknown */
			return 1;
		if (uk_task_wait(id, &st, 0) != -ERR_NO_CHILD)
			return 2;
		long n = uk_kinfo(UK_KINFO_TASKS, list, sizeof(list));
		if (n != 1 || list[0].id != uk_startup_info->self)
			return 3;
		list[0].id = id;
		if (uk_kinfo(UK_KINFO_TASK, list, sizeof(list[0])) != -ERR_NOT_FOUND)
			return 4;
		list[0].id = uk_startup_info->self;
		if (uk_kinfo(UK_KINFO_TASK, list, sizeof(list[0])) != sizeof(list[0]) ||
		    list[0].mcp != UK_PRIORITY_DEFAULT - 1)
			return 5;
		return 0;
	}
	/* nap: a short life, then exit 0. */
	if (!strcmp(mode, "nap")) {
		uk_sleep(300000000ull);
		return 0;
	}
	/* adopt: receive an image on rights[0], start it as "hostile nap",
	 * reply with the new task's id and end, leaving it an orphan. */
	if (!strcmp(mode, "adopt")) {
		static union {
			struct uk_msg_header h;
			uint8_t bytes[1024];
			uint64_t align_;
		} m;
		const char *argv[] = { "hostile", "nap", NULL };
		if (uk_ipc_receive(uk_startup_info->rights[0], &m.h, sizeof(m),
				   10000000000ull) < 0 || m.h.n_ool != 1 || !m.h.reply)
			return 1;
		const struct uk_msg_ool *o = uk_msg_ools(&m.h);
		long id = spawn_image_rights((const void *)o->address, o->size, "orphan",
					     argv, UK_PRIORITY_DEFAULT - 1, NULL, 0);
		uk_name_t reply = m.h.reply;
		memset(&m.h, 0, sizeof(m.h));
		m.h.size = sizeof(m.h) + sizeof(id);
		m.h.dest = reply;
		m.h.dest_disposition = UK_DISP_MOVE_SEND_ONCE;
		memcpy(&m.h + 1, &id, sizeof(id));
		if (uk_ipc_send(&m.h, m.h.size, 1000000000ull) < 0)
			return 2;
		return id > 0 ? 0 : 3;
	}
	return -1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "exit"))
		return argc > 2 ? (int)(argv[2][0] - '0') * 10 + (argv[2][1] - '0') : 0;
	/* register NAME: publish a new port under NAME (through the bootstrap
	 * right) and exit, so the port dies; "claim INDEX" claims a device and
	 * exits, so the claim's owner port dies. */
	if (!strcmp(mode, "register") && argc > 2)
		return service_create(argv[2]) > 0 ? 0 : 1;
	if (!strcmp(mode, "claim") && argc > 2) {
		static struct uk_dev_claim_reply r;
		struct uk_dev_claim_req rq = { UK_DEV_ANY, UK_DEV_ANY, UK_DEV_ANY,
					       UK_DEV_ANY, (uint32_t)atoi(argv[2]), 0 };
		uk_name_t caps[8];
		unsigned n;
		long port = uk_port_allocate(UK_RIGHT_RECEIVE);
		return port > 0 && dev_claim(&rq, (uk_name_t)port, &r, caps, 8, &n) == 0
			       ? 0 : 1;
	}
	if (!strcmp(mode, "sleep")) {
		uk_sleep(UK_TIMEOUT_INFINITE);
		return 0;
	}
	if (!strcmp(mode, "lazy-overrun")) {
		/* 64 MiB of demand-zero memory, touched page by page: the
		 * first page the account cannot pay for ends the task. */
		long a = uk_vm_allocate(64ull << 20,
					UK_VM_READ | UK_VM_WRITE | UK_VM_LAZY);
		if (a < 0)
			return 2;
		for (uint64_t off = 0; off < (64ull << 20); off += 4096)
			((volatile uint8_t *)a)[off] = 1;
		return 3; /* it all fitted: the quota did not hold */
	}
	if (!strcmp(mode, "null-read"))
		sink = *(volatile uint64_t *)address_of[0];
	if (!strcmp(mode, "null-write"))
		*(volatile uint64_t *)address_of[1] = 1;
	if (!strcmp(mode, "kernel-read"))
		sink = *(volatile uint64_t *)KERNEL_ADDRESS;
	if (!strcmp(mode, "kernel-write"))
		*(volatile uint64_t *)KERNEL_ADDRESS = 1;
	if (!strcmp(mode, "noncanonical"))
		sink = *(volatile uint64_t *)NONCANONICAL;
	if (!strcmp(mode, "wild-jump"))
		((void (*)(void))0xdeadbeef000ull)();
	if (!strcmp(mode, "kernel-jump"))
		((void (*)(void))KERNEL_ADDRESS)();
	if (!strcmp(mode, "nx-exec")) {
		long page = uk_vm_allocate(4096, UK_VM_READ | UK_VM_WRITE);
		*(volatile uint8_t *)page = 0xc3; /* ret */
		((void (*)(void))page)();
	}
	if (!strcmp(mode, "write-text"))
		*(volatile uint8_t *)(uint64_t)main = 0xcc;
	if (!strcmp(mode, "cli"))
		__asm__ volatile("cli");
	if (!strcmp(mode, "hlt"))
		__asm__ volatile("hlt");
	if (!strcmp(mode, "in"))
		__asm__ volatile("inb $0x60, %%al" : : : "rax");
	if (!strcmp(mode, "out"))
		__asm__ volatile("outb %%al, $0x80" : : "a"(0));
	if (!strcmp(mode, "rdmsr"))
		__asm__ volatile("rdmsr" : : "c"(0xC0000080) : "rax", "rdx");
	if (!strcmp(mode, "wrmsr"))
		__asm__ volatile("wrmsr" : : "c"(0xC0000082), "a"(0), "d"(0));
	if (!strcmp(mode, "mov-cr3"))
		__asm__ volatile("mov %0, %%cr3" : : "r"(0ull));
	if (!strcmp(mode, "lidt")) {
		static uint8_t zero[10];
		__asm__ volatile("lidt %0" : : "m"(zero));
	}
	/* With UMIP (CR4.UMIP) these #GP in user mode; without it they leak
	 * the kernel's descriptor-table addresses and the program goes on. */
	if (!strcmp(mode, "sgdt")) {
		static uint8_t gdtr[10];
		__asm__ volatile("sgdt %0" : "=m"(gdtr));
	}
	if (!strcmp(mode, "sidt")) {
		static uint8_t idtr[10];
		__asm__ volatile("sidt %0" : "=m"(idtr));
	}
	/* An unmasked x87 exception: #MF (vector 16) at the next waiting x87
	 * instruction when CR0.NE is set; otherwise the CPU signals it on
	 * an external line (IRQ 13) and this program runs on. */
	if (!strcmp(mode, "x87-error")) {
		/* 0/0 is an invalid operation whichever way fdivp divides. */
		static const uint16_t cw = 0x037e; /* invalid-operation unmasked */
		__asm__ volatile("fninit; fldcw %0; fldz; fldz; fdivp; fwait"
				 : : "m"(cw));
	}
	if (!strcmp(mode, "int3"))
		__asm__ volatile("int3");
	if (!strcmp(mode, "int80"))
		__asm__ volatile("int $0x80");
	if (!strcmp(mode, "ud2"))
		__asm__ volatile("ud2");
	if (!strcmp(mode, "div0")) {
		uint64_t zero = 0, q;
		__asm__ volatile("xor %%edx, %%edx; mov $1, %%eax; div %1"
				 : "=&a"(q) : "r"(zero) : "rdx");
		sink = q;
	}
	if (!strcmp(mode, "stack-overflow"))
		sink = recurse(0);
	if (!strcmp(mode, "exhaust"))
		return exhaust();
	if (!strcmp(mode, "threads-exit")) {
		/* Extra threads exit first; the task lives on until main ends. */
		static uint64_t stack[4][256] __attribute__((aligned(16)));
		for (int i = 0; i < 4; i++)
			uk_thread_create((uint64_t)exiting_thread,
					 (uint64_t)&stack[i][254], 0,
					 UK_PRIORITY_DEFAULT);
		uk_sleep(20000000);
		return 7;
	}
	if (!strcmp(mode, "io-granted") || !strcmp(mode, "io-ungranted")) {
		/* rights[0]: a capability for port 0x80 only. */
		long rc = uk_io_enable(uk_startup_info->rights[0]);
		if (rc < 0)
			return 90;
		__asm__ volatile("outb %%al, $0x80" : : "a"(0x42));
		if (!strcmp(mode, "io-ungranted"))
			__asm__ volatile("inb $0x64, %%al" : : : "rax");
		return 42;
	}
	if (!strcmp(mode, "io-revoked")) {
		/* rights[0]: port 0x80; rights[1]: where to say it is open.
		 * Port I/O goes on until the capability is revoked (#GP) or
		 * two seconds have passed. */
		struct uk_msg_header h = { .size = sizeof(h),
					   .dest = uk_startup_info->rights[1] };
		if (uk_io_enable(uk_startup_info->rights[0]) < 0)
			return 90;
		__asm__ volatile("outb %%al, $0x80" : : "a"(0x42));
		if (uk_ipc_send(&h, sizeof(h), 1000000000ull) < 0)
			return 91;
		for (int i = 0; i < 200; i++) {
			__asm__ volatile("outb %%al, $0x80" : : "a"(0x42));
			uk_sleep(10000000);
		}
		return 42;
	}
	if (!strcmp(mode, "last-thread-exit")) {
		uk_thread_exit(); /* only thread: the task ends with code 0 */
	}
	int rc = authority(mode, argc > 2 ? argv[2] : "0");
	if (rc >= 0)
		return rc;
	if ((rc = quota(mode)) >= 0)
		return rc;
	printf("hostile: unknown mode '%s' or the fault did not happen\n", mode);
	return 99;
}
