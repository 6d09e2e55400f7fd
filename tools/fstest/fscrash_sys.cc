// SPDX-License-Identifier: GPL-2.0
#include "fscrash_sys.h"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

namespace flashnet::fstest::fscrash {

ssize_t FsSys::write(int fd, const void *buf, size_t len)
{
	return ::write(fd, buf, len);
}

int FsSys::syncfs(int fd)
{
	return ::syncfs(fd);
}

int FsSys::mkdir(const char *path, mode_t mode)
{
	return ::mkdir(path, mode);
}

int FsSys::rename(const char *from, const char *to)
{
	return ::rename(from, to);
}

int FsSys::link(const char *from, const char *to)
{
	return ::link(from, to);
}

int FsSys::rmdir(const char *path)
{
	return ::rmdir(path);
}

int FsSys::symlink(const char *target, const char *path)
{
	return ::symlink(target, path);
}

ssize_t FsSys::readlink(const char *path, char *buf, size_t len)
{
	return ::readlink(path, buf, len);
}

int FsSys::lstat(const char *path, struct stat *st)
{
	return ::lstat(path, st);
}

int FsSys::list_dir(const char *path, std::vector<std::string> &names)
{
	names.clear();
	DIR *d = opendir(path);
	if (!d)
		return -1;
	for (;;) {
		errno = 0;
		const struct dirent *de = readdir(d);
		if (!de)
			break;
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			names.emplace_back(de->d_name);
	}
	const int err = errno;
	closedir(d);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

} // namespace flashnet::fstest::fscrash
