/* SPDX-License-Identifier: MIT */
/*
 * Built-in commands on files and directories, through the adapter (the
 * file server "fs"). Every failure names the command, the path and the
 * reason: "ls: /nope: no such file or directory", and makes the status 1.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uk/proto/fs.h>

#include "shell.h"

#define COPY_CHUNK (64u * 1024u)

static int fail(const char *cmd, const char *path)
{
	err("%s: %s: %s\n", cmd, path, strerror(errno));
	return 1;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

/* dir/name into out; false if it does not fit. */
static bool join(char *out, size_t size, const char *dir, const char *name)
{
	size_t n = strlen(dir);
	int k = snprintf(out, size, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);

	return k > 0 && (size_t)k < size;
}

static void mode_string(uint32_t mode, char s[11])
{
	static const char rwx[] = "rwxrwxrwx";

	s[0] = S_ISDIR(mode) ? 'd' : S_ISLNK(mode) ? 'l' : '-';
	for (int i = 0; i < 9; i++)
		s[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
	s[10] = '\0';
}

static void list_entry(const char *name, const struct stat *st, bool lng)
{
	if (!lng) {
		out("%s\n", name);
		return;
	}
	char m[11];
	mode_string(st->st_mode, m);
	out("%s %2u %8ld %s%s\n", m, st->st_nlink, (long)st->st_size, name,
	    S_ISDIR(st->st_mode) ? "/" : "");
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of a directory, sorted; the caller frees names[i] and names. */
static int read_names(const char *path, char ***names_out, size_t *n_out, bool all)
{
	DIR *d = opendir(path);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;

	if (!d)
		return -1;
	errno = 0;
	while ((e = readdir(d))) {
		if (!all && e->d_name[0] == '.')
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			char **nn = malloc(ncap * sizeof(*nn));
			if (!nn)
				break;
			if (names)
				memcpy(nn, names, n * sizeof(*nn));
			free(names);
			names = nn;
			cap = ncap;
		}
		size_t len = strlen(e->d_name) + 1;
		if (!(names[n] = malloc(len)))
			break;
		memcpy(names[n++], e->d_name, len);
		errno = 0;
	}
	int saved = errno;
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	*names_out = names;
	*n_out = n;
	errno = saved;
	return saved ? -1 : 0;
}

static int ls_one(const char *path, bool lng, bool all, bool heading)
{
	struct stat st;
	char **names = NULL;
	size_t n = 0;
	int status = 0;

	if (stat(path, &st) < 0)
		return fail("ls", path);
	if (!S_ISDIR(st.st_mode)) {
		list_entry(path, &st, lng);
		return 0;
	}
	if (heading)
		out("%s:\n", path);
	if (read_names(path, &names, &n, all) < 0)
		status = fail("ls", path);
	for (size_t i = 0; i < n; i++) {
		char full[UK_FS_PATH_MAX];
		struct stat es = { 0 };
		if (lng && (!join(full, sizeof(full), path, names[i]) || stat(full, &es) < 0)) {
			status = fail("ls", names[i]);
		} else {
			list_entry(names[i], &es, lng);
		}
		free(names[i]);
	}
	free(names);
	return status;
}

int cmd_ls(int argc, char **argv)
{
	bool lng = false, all = false;
	int first = 1, status = 0;

	for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
		for (const char *o = argv[first] + 1; *o; o++) {
			if (*o == 'l') {
				lng = true;
			} else if (*o == 'a') {
				all = true;
			} else {
				err("ls: unknown option -%c (usage: ls [-la] [path...])\n", *o);
				return 2;
			}
		}
	}
	if (first == argc)
		return ls_one(".", lng, all, false);
	for (int i = first; i < argc; i++) {
		if (ls_one(argv[i], lng, all, argc - first > 1))
			status = 1;
		if (i + 1 < argc && argc - first > 1)
			out("\n");
	}
	return status;
}

int cmd_cat(int argc, char **argv)
{
	static char buf[COPY_CHUNK];
	int status = 0;

	if (argc < 2) {
		err("usage: cat file...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0) {
			status = fail("cat", argv[i]);
			continue;
		}
		ssize_t n;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			out_write(buf, (size_t)n);
		if (n < 0)
			status = fail("cat", argv[i]);
		close(fd);
	}
	return status;
}

int cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		out("%s%s", argv[i], i + 1 < argc ? " " : "");
	out("\n");
	return 0;
}

/* Where `cp a dir` or `mv a dir` puts a: dir/basename(a). */
static const char *target(const char *from, const char *to, char *buf, size_t size)
{
	struct stat st;

	if (stat(to, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (!join(buf, size, to, base_name(from))) {
			errno = ENAMETOOLONG;
			return NULL;
		}
		return buf;
	}
	return to;
}

int cmd_cp(int argc, char **argv)
{
	static char buf[COPY_CHUNK], path[UK_FS_PATH_MAX];
	struct stat st;

	if (argc != 3) {
		err("usage: cp from to\n");
		return 2;
	}
	const char *to = target(argv[1], argv[2], path, sizeof(path));
	if (!to)
		return fail("cp", argv[2]);
	int in = open(argv[1], O_RDONLY);
	if (in < 0)
		return fail("cp", argv[1]);
	if (fstat(in, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(in);
		errno = EISDIR;
		return fail("cp", argv[1]);
	}
	int outfd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (outfd < 0) {
		close(in);
		return fail("cp", to);
	}
	int status = 0;
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		ssize_t w = write(outfd, buf, (size_t)n);
		if (w != n) {
			if (w >= 0)
				errno = ENOSPC;
			status = fail("cp", to);
			break;
		}
	}
	if (n < 0)
		status = fail("cp", argv[1]);
	close(in);
	if (close(outfd) < 0 && !status)
		status = fail("cp", to);
	return status;
}

int cmd_mv(int argc, char **argv)
{
	static char path[UK_FS_PATH_MAX];

	if (argc != 3) {
		err("usage: mv from to\n");
		return 2;
	}
	const char *to = target(argv[1], argv[2], path, sizeof(path));
	if (!to)
		return fail("mv", argv[2]);
	if (rename(argv[1], to) < 0) {
		err("mv: %s -> %s: %s\n", argv[1], to, strerror(errno));
		return 1;
	}
	return 0;
}

/* rm, mkdir, rmdir: one call per argument. */
static int each(int argc, char **argv, const char *usage, int (*op)(const char *))
{
	int status = 0;

	if (argc < 2) {
		err("usage: %s\n", usage);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (op(argv[i]) < 0)
			status = fail(argv[0], argv[i]);
	return status;
}

static int make_dir(const char *path)
{
	return mkdir(path, 0755);
}

int cmd_rm(int argc, char **argv)
{
	return each(argc, argv, "rm file...", unlink);
}

int cmd_mkdir(int argc, char **argv)
{
	return each(argc, argv, "mkdir dir...", make_dir);
}

int cmd_rmdir(int argc, char **argv)
{
	return each(argc, argv, "rmdir dir...", rmdir);
}

int cmd_cd(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/";

	if (argc > 2) {
		err("usage: cd [dir]\n");
		return 2;
	}
	return chdir(dir) < 0 ? fail("cd", dir) : 0;
}

int cmd_pwd(int argc, char **argv)
{
	char cwd[UK_FS_PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)))
		return fail("pwd", ".");
	out("%s\n", cwd);
	return 0;
}

int cmd_stat(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		err("usage: stat path...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			status = fail("stat", argv[i]);
			continue;
		}
		char m[11], octal[5];
		mode_string(st.st_mode, m);
		/* The runtime's printf has no %o. */
		for (int k = 0; k < 4; k++)
			octal[k] = (char)('0' + ((st.st_mode >> (9 - 3 * k)) & 7));
		octal[4] = '\0';
		out("  file: %s\n  type: %s\n  size: %ld bytes, %lu blocks of 512\n"
		    "  mode: %s (%s)  links: %u  inode: %lu\n"
		    "  owner: %u  group: %u\n  modified: %ld  changed: %ld  accessed: %ld\n",
		    argv[i],
		    S_ISDIR(st.st_mode)	  ? "directory"
		    : S_ISLNK(st.st_mode) ? "symbolic link"
		    : S_ISREG(st.st_mode) ? "regular file"
					  : "other",
		    (long)st.st_size, (unsigned long)st.st_blocks, m, octal, st.st_nlink,
		    (unsigned long)st.st_ino, st.st_uid, st.st_gid, (long)st.st_mtime,
		    (long)st.st_ctime, (long)st.st_atime);
	}
	return status;
}

int cmd_sync(int argc, char **argv)
{
	sync();
	return 0;
}
