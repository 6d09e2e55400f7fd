// SPDX-License-Identifier: GPL-2.0
// The system calls flashnet-fscrash makes on the file system under test,
// behind one virtual interface (fsx's Posix plus the namespace calls), so
// the unit tests can run the workload and the checker on an in-memory file
// system that loses what a power cut may lose.
#pragma once

#include "fsx_sys.h"

#include <string>
#include <vector>

namespace flashnet::fstest::fscrash {

// Every method returns what the POSIX call returns and leaves errno set on
// failure.
class FsSys : public Posix {
public:
	virtual ssize_t write(int fd, const void *buf, size_t len);
	virtual int syncfs(int fd);
	virtual int mkdir(const char *path, mode_t mode);
	virtual int rename(const char *from, const char *to);
	virtual int link(const char *from, const char *to);
	virtual int rmdir(const char *path);
	virtual int symlink(const char *target, const char *path);
	virtual ssize_t readlink(const char *path, char *buf, size_t len);
	virtual int lstat(const char *path, struct stat *st);
	// The names in a directory, without "." and ".."; -1 and errno on
	// failure.
	virtual int list_dir(const char *path, std::vector<std::string> &names);
};

} // namespace flashnet::fstest::fscrash
