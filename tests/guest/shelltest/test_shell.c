/* SPDX-License-Identifier: MIT */
/*
 * SH: the shell, started from the disk by the process server with a fake
 * console (fakecons.c) as its standard input and output. `shell -c`
 * output is compared byte for byte; the interactive tests type keys,
 * escape sequences included, and read back the echo and the results.
 * Each test works in its own directory and removes it.
 */
#include <fmt.h>
#include <string.h>
#include <uk/proto/mem.h>

#include "shelltest.h"

static struct fakecons fc;

/* Run cmds; expect status and exactly want as output. */
#define SH_EXPECT(cmds, status, want)                  \
	do {                                           \
		EXPECT_EQ(sh((cmds), &fc), (status));  \
		EXPECT_STR(fc.output, (want));         \
	} while (0)

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

DEFINE_TEST(SH0001, echo_prints_its_words)
{
	SH_EXPECT("echo hello   world", 0, "hello world\n");
	SH_EXPECT("echo 'a  b' \"c\\\"d\" e\\ f; echo", 0, "a  b c\"d e f\n\n");
	SH_EXPECT("echo one # a comment; echo not run", 0, "one\n");
	SH_EXPECT("echo \"unterminated", 2, "sh: unterminated quote\n");
	SH_EXPECT("echo >", 2, "sh: a file name must follow > or >>\n");
}

DEFINE_TEST(SH0002, redirection_writes_and_appends)
{
	SH_EXPECT("mkdir /sh2; echo one > /sh2/f; echo two >> /sh2/f; cat /sh2/f", 0,
		  "one\ntwo\n");
	SH_EXPECT("echo three>/sh2/f; cat /sh2/f; ls /sh2 > /sh2/list; cat /sh2/list", 0,
		  "three\nf\nlist\n");
	SH_EXPECT("echo x > /no-dir/f", 1, "echo: /no-dir/f: no such file or directory\n");
	SH_EXPECT("hello > /sh2/g", 2, "hello: > and >> work with built-in commands only\n");
	SH_EXPECT("rm /sh2/f /sh2/list; rmdir /sh2", 0, "");
}

DEFINE_TEST(SH0003, ls_lists_a_directory_sorted)
{
	SH_EXPECT("mkdir /sh3 /sh3/d; echo yy > /sh3/b; echo x > /sh3/a; ls /sh3", 0,
		  "a\nb\nd\n");
	EXPECT_EQ(sh("ls -l /sh3", &fc), 0);
	EXPECT_HAS(fc.output, "-rw-r--r--  1        2 a\n");
	EXPECT_HAS(fc.output, "-rw-r--r--  1        3 b\n");
	EXPECT_HAS(fc.output, " d/\n");
	EXPECT_EQ(fc.output[0], '-');
	EXPECT_EQ(sh("ls -a /sh3", &fc), 0);
	EXPECT_STR(fc.output, ".\n..\na\nb\nd\n");
	SH_EXPECT("ls /sh3/a", 0, "/sh3/a\n");
	SH_EXPECT("cd /sh3; ls", 0, "a\nb\nd\n");
	EXPECT_EQ(sh("ls /bin", &fc), 0);
	EXPECT_HAS(fc.output, "hello\n");
	EXPECT_HAS(fc.output, "shell\n");
	SH_EXPECT("ls -z", 2, "ls: unknown option -z (usage: ls [-la] [path...])\n");
	SH_EXPECT("rm /sh3/a /sh3/b; rmdir /sh3/d /sh3", 0, "");
}

DEFINE_TEST(SH0004, cp_mv_rm_mkdir_rmdir)
{
	SH_EXPECT("mkdir /sh4; echo data > /sh4/a; cp /sh4/a /sh4/b; cat /sh4/b", 0, "data\n");
	SH_EXPECT("mkdir /sh4/d; cp /sh4/a /sh4/d; mv /sh4/b /sh4/d; ls /sh4/d; ls /sh4", 0,
		  "a\nb\na\nd\n");
	SH_EXPECT("mv /sh4/d/b /sh4/c; cat /sh4/c; ls /sh4/d", 0, "data\na\n");
	/* A bigger file than one message holds survives the copy. */
	SH_EXPECT("cp /bin/shell /sh4/big; cp /sh4/big /sh4/big2; /sh4/big2 -c 'echo copied'", 0,
		  "copied\n");
	SH_EXPECT("rm /sh4/a /sh4/c /sh4/d/a /sh4/big /sh4/big2; rmdir /sh4/d; ls /sh4", 0, "");
	SH_EXPECT("rmdir /sh4", 0, "");
	SH_EXPECT("ls /sh4", 1, "ls: /sh4: no such file or directory\n");
}

DEFINE_TEST(SH0005, errors_name_the_path_and_the_reason)
{
	SH_EXPECT("cat /nope", 1, "cat: /nope: no such file or directory\n");
	SH_EXPECT("rm /nope", 1, "rm: /nope: no such file or directory\n");
	SH_EXPECT("mkdir /sh5; echo x > /sh5/f; rmdir /sh5", 1,
		  "rmdir: /sh5: directory not empty\n");
	SH_EXPECT("mkdir /sh5", 1, "mkdir: /sh5: file exists\n");
	SH_EXPECT("cd /sh5/f", 1, "cd: /sh5/f: not a directory\n");
	SH_EXPECT("cat /sh5", 1, "cat: /sh5: is a directory\n");
	SH_EXPECT("cp /sh5 /x", 1, "cp: /sh5: is a directory\n");
	SH_EXPECT("mv /nope /x", 1, "mv: /nope -> /x: no such file or directory\n");
	SH_EXPECT("cat", 2, "usage: cat file...\n");
	SH_EXPECT("cat /nope /sh5/f", 1, "cat: /nope: no such file or directory\nx\n");
	SH_EXPECT("rm /sh5/f; rmdir /sh5", 0, "");
}

DEFINE_TEST(SH0006, cd_and_relative_paths)
{
	SH_EXPECT("mkdir /sh6; cd /sh6; pwd; echo rel > f; cat /sh6/f; cd ..; pwd; cat sh6/f",
		  0, "/sh6\nrel\n/\nrel\n");
	SH_EXPECT("cd /sh6; cp f g; mv g h; ls; rm f h; cd; rmdir sh6; pwd", 0, "f\nh\n/\n");
	SH_EXPECT("cd /nope", 1, "cd: /nope: no such file or directory\n");
}

DEFINE_TEST(SH0007, programs_run_and_report_their_status)
{
	SH_EXPECT("/bin/hello a b; hello c", 0, "hello: a b\nhello: c\n");
	SH_EXPECT("hello exit=3", 3, "hello: exit=3\nhello: exit status 3\n");
	SH_EXPECT("hello crash", 128 + 14, "hello: crash\nhello: crashed (CPU exception 14)\n");
	SH_EXPECT("nosuch x", 127,
		  "nosuch: command not found (not built in, no /bin/nosuch; try help)\n");
	SH_EXPECT("/bin/nosuch", 127, "/bin/nosuch: no such file or directory\n");
	SH_EXPECT("/bin", 126, "/bin: is a directory\n");
	SH_EXPECT("cd /bin; ./hello rel", 0, "hello: rel\n");
	/* A shell from the shell: the same output stream, its own status. */
	SH_EXPECT("shell -c 'echo inner; exit 6'; echo outer", 0,
		  "inner\nshell: exit status 6\nouter\n");
}

DEFINE_TEST(SH0008, status_is_the_last_commands)
{
	SH_EXPECT("hello exit=4; echo x", 0, "hello: exit=4\nhello: exit status 4\nx\n");
	SH_EXPECT("echo x; hello exit=4", 4, "x\nhello: exit=4\nhello: exit status 4\n");
	SH_EXPECT("exit 9; echo not run", 9, "");
	SH_EXPECT("cat /nope; exit", 1, "cat: /nope: no such file or directory\n");
	SH_EXPECT("exit x", 2, "exit: x: not a number\n");
}

DEFINE_TEST(SH0009, system_commands_show_the_system)
{
	EXPECT_EQ(sh("services", &fc), 0);
	EXPECT_HAS(fc.output, "NAME");
	EXPECT_HAS(fc.output, "\nproc ");
	EXPECT_HAS(fc.output, "\nfs ");
	EXPECT_EQ(sh("lsdev", &fc), 0);
	EXPECT_HAS(fc.output, "com1");
	EXPECT_HAS(fc.output, "virtio-blk");
	EXPECT_HAS(fc.output, "1af4:");
	EXPECT_EQ(sh("ps", &fc), 0);
	EXPECT_HAS(fc.output, "PID");
	EXPECT_HAS(fc.output, "ACCOUNT");
	EXPECT_HAS(fc.output, "CPU");
	/* Started through proc: an account of 8 MiB of its own. */
	EXPECT_HAS(fc.output, "/   8192K  shell\n");
	/* This shell runs through proc at an ordinary MCP: it sees itself and
	 * what descends from it, not init or us (docs/ARCHITECTURE.md,
	 * "Priorities and task authority"); init's console shell sees all. */
	EXPECT(!strstr(fc.output, " init\n"));
	EXPECT_EQ(sh("mem", &fc), 0);
	EXPECT_HAS(fc.output, "KiB total");
	EXPECT_HAS(fc.output, "threads");
	EXPECT_HAS(fc.output, "account: ");
	EXPECT_HAS(fc.output, "of 8192 KiB used");
	EXPECT_EQ(sh("help", &fc), 0);
	EXPECT_HAS(fc.output, "ls [-la] [path...]");
	EXPECT_HAS(fc.output, "kill pid...");
	EXPECT_EQ(sh("sync", &fc), 0);
	SH_EXPECT("kill 99999", 1, "kill: 99999: no such task\n");
	SH_EXPECT("kill 1", 1, "kill: 1: no such task\n");
}

/* The interactive shell (shell -i) with keys typed chunk bytes at a time. */
static int interactive(const char *keys, size_t chunk)
{
	const char *argv[] = { "shell", "-i", NULL };

	fakecons_init(&fc);
	fc.input = keys;
	fc.input_len = strlen(keys);
	fc.chunk = chunk;
	fc.input_closed = true;
	struct uk_exit_status st = fakecons_run(&fc, "/bin/shell", argv, 20 * SECOND);
	fakecons_fini(&fc);
	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	return (int)st.code;
}

static const char edit_keys[] =
	"echo one\r"
	"\x1b[A\r"			/* Up: the same again */
	"echo twX\x7fo\r"		/* DEL */
	"echo twX\bo\r\n"		/* Backspace; CR LF is one Enter */
	"echo fur\x1b[D\x1b[Do\r"	/* Left twice, insert */
	"cho five\x1b[He\x1b[F!\r"	/* Home, insert, End, append */
	"echo sixx\x1bOD\x1b[3~\r"	/* SS3 Left, Delete */
	"garbage\x15" "echo seven\r"	/* Ctrl-U */
	"echo nope\x03"			/* Ctrl-C */
	"echo eight\x01\x0b" "echo nine\r" /* Ctrl-A, Ctrl-K */
	"\x1b[A\x1b[A\x1b[B\r"		/* Up, Up, Down: the latest again */
	"exit 5\r";

DEFINE_TEST(SH0010, line_editing_and_history)
{
	for (size_t chunk = 0; chunk <= 1; chunk++) {
		EXPECT_EQ(interactive(edit_keys, chunk), 5);
		EXPECT_HAS(fc.output, "uk shell: type help for the commands.\r\n");
		EXPECT_HAS(fc.output, "uk:/$ ");
		EXPECT_EQ(count(fc.output, "\r\none\r\n"), 2);
		EXPECT_EQ(count(fc.output, "\r\ntwo\r\n"), 2);
		EXPECT_HAS(fc.output, "\r\nfour\r\n");
		EXPECT_HAS(fc.output, "\r\nfive!\r\n");
		EXPECT_HAS(fc.output, "\r\nsix\r\n");
		EXPECT_HAS(fc.output, "\r\nseven\r\n");
		EXPECT_HAS(fc.output, "^C\r\n");
		EXPECT(!strstr(fc.output, "\r\nnope\r\n"));
		EXPECT_EQ(count(fc.output, "\r\nnine\r\n"), 2);
		EXPECT(!strstr(fc.output, "garbage\r\n"));
		EXPECT(!strstr(fc.output, "not found"));
	}
}

DEFINE_TEST(SH0011, interactive_errors_and_programs)
{
	/* One byte per read: the shell reads no further than the Enter that
	 * starts hello, so the next line is hello's input. */
	EXPECT_EQ(interactive("cat /nope\rhello read\rtyped for hello\rmkdir /sh11\r"
			      "cd /sh11\rpwd\rcd /\rrmdir /sh11\r\x04",
			      1),
		  0);
	EXPECT_HAS(fc.output, "\r\ncat: /nope: no such file or directory\r\n");
	EXPECT_HAS(fc.output, "hello: read: typed for hello\n");
	EXPECT_HAS(fc.output, "uk:/sh11$ ");
	EXPECT_HAS(fc.output, "\r\n/sh11\r\n");
}

DEFINE_TEST(SH0012, file_for_the_host_to_check)
{
	/* run-shelltest.sh reads this back from the image with debugfs. */
	SH_EXPECT("mkdir /shelltest; echo 'written by the shell' > /shelltest/kept;"
		  " cat /shelltest/kept; sync",
		  0, "written by the shell\n");
}

DEFINE_TEST(SH0013, stat_shows_what_the_file_system_knows)
{
	EXPECT_EQ(sh("mkdir /sh13; echo x > /sh13/f; stat /sh13/f /sh13", &fc), 0);
	EXPECT_HAS(fc.output, "  file: /sh13/f\n  type: regular file\n  size: 2 bytes");
	EXPECT_HAS(fc.output, "  mode: -rw-r--r-- (0644)  links: 1  inode: ");
	EXPECT_HAS(fc.output, "  file: /sh13\n  type: directory\n");
	EXPECT_HAS(fc.output, "  mode: drwxr-xr-x (0755)  links: 2  inode: ");
	SH_EXPECT("stat /sh13/nope", 1, "stat: /sh13/nope: no such file or directory\n");
	SH_EXPECT("rm /sh13/f; rmdir /sh13", 0, "");
}

DEFINE_TEST(SH0014, script_file_runs_line_by_line)
{
	SH_EXPECT("mkdir /sh14; echo 'echo one' > /sh14/s; echo 'cat /nope' >> /sh14/s;"
		  " echo 'echo two # done' >> /sh14/s; shell /sh14/s",
		  0, "one\ncat: /nope: no such file or directory\ntwo\n");
	SH_EXPECT("echo 'exit 4' >> /sh14/s; echo 'echo not run' >> /sh14/s; shell /sh14/s",
		  4, "one\ncat: /nope: no such file or directory\ntwo\nshell: exit status 4\n");
	SH_EXPECT("shell /sh14/nope", 127,
		  "shell: /sh14/nope: no such file or directory\nshell: exit status 127\n");
	SH_EXPECT("rm /sh14/s; rmdir /sh14", 0, "");
}

/* As the shell shows memory: KiB, or MiB from 10 MiB up. */
static const char *mem_size(char *buf, size_t len, uint64_t bytes)
{
	if (bytes < (10ull << 20))
		snprintf(buf, len, "%lu KiB", (unsigned long)(bytes >> 10));
	else
		snprintf(buf, len, "%lu MiB", (unsigned long)(bytes >> 20));
	return buf;
}

/* mem shows the memory server's own figures: this test's object (pages
 * written, so resident, faulted and zero-filled) is in them, and they
 * are what mem_stats answers this test (nothing else uses mem here). */
DEFINE_TEST(SH0015, mem_shows_the_memory_servers_figures)
{
	const uint64_t pages = 3;
	struct uk_mem_stats s;
	uk_name_t obj = 0;
	char want[160], a[24], b[24], c[24];

	long r = ns_lookup("mem", 10 * SECOND); /* the shell does not wait */
	EXPECT(r > 0);
	if (r <= 0)
		return;
	uk_port_deallocate((uk_name_t)r);
	long addr = mem_map(pages * UK_PAGE_SIZE, &obj);
	EXPECT(addr > 0);
	if (addr <= 0)
		return;
	for (uint64_t i = 0; i < pages; i++)
		((volatile uint8_t *)addr)[i * UK_PAGE_SIZE] = 1;
	EXPECT_EQ(mem_stats(&s), 0);
	EXPECT(s.objects >= 1 && s.clients >= 1);
	EXPECT(s.resident_pages >= pages && s.zero_fills >= pages);
	EXPECT_EQ(sh("mem", &fc), 0);
	EXPECT_HAS(fc.output, "KiB total");
	snprintf(want, sizeof(want),
		 "\npager:   %s resident of %s (%s per task); objects: %lu, "
		 "clients: %lu\n",
		 mem_size(a, sizeof(a), s.resident_pages * UK_PAGE_SIZE),
		 mem_size(b, sizeof(b), s.budget_pages * UK_PAGE_SIZE),
		 mem_size(c, sizeof(c), s.task_budget_pages * UK_PAGE_SIZE),
		 (unsigned long)s.objects, (unsigned long)s.clients);
	EXPECT_HAS(fc.output, want);
	snprintf(want, sizeof(want),
		 "\npaging:  %lu faults: %lu zero-fills, %lu swap-ins; %lu "
		 "evictions, %lu swap-outs\n",
		 (unsigned long)s.faults, (unsigned long)s.zero_fills,
		 (unsigned long)s.swap_ins, (unsigned long)s.evictions,
		 (unsigned long)s.swap_outs);
	EXPECT_HAS(fc.output, want);
	/* mem's default swap space: 256 MiB. */
	snprintf(want, sizeof(want),
		 "\nswap:    %s of 256 MiB in use, %lu pages lost to errors; "
		 "%lu bad requests\n",
		 mem_size(a, sizeof(a), s.swap_bytes),
		 (unsigned long)s.swap_errors, (unsigned long)s.bad_requests);
	EXPECT_HAS(fc.output, want);
	EXPECT(!strstr(fc.output, "no memory server"));
	EXPECT_EQ(mem_unmap((uint64_t)addr, pages * UK_PAGE_SIZE, obj), 0);
}
