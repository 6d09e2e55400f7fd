// SPDX-License-Identifier: GPL-2.0
// flashnet-nstest: POSIX namespace and metadata tests (GoogleTest) for the
// file system holding --dir. See --help.
#include "nstest.h"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

using namespace flashnet::nstest;
using flashnet::fstest::kExitSysError;
using flashnet::fstest::kExitUsage;

namespace {

const char kUsage[] = R"(usage: flashnet-nstest --dir DIR [options] [gtest options]

POSIX namespace and metadata tests of the file system that holds DIR:
create/unlink/mkdir/rmdir errors, rename corner cases (renameat2
RENAME_NOREPLACE and RENAME_EXCHANGE included), hard links, symlinks,
directory link counts, readdir of 2000 names, 255/256-byte names,
permissions as an unprivileged user, chmod/chown/utimensat, timestamps,
O_CREAT|O_EXCL and O_TRUNC, mknod, statfs and the sync calls.

Each test runs in a fresh directory DIR/<suite>.<test>.<pid> and removes it.
Permission tests need root (they fork and drop to uid/gid 65534 and 65533,
numeric ids: no /etc/passwd entry needed); without root they are skipped
with a message. The umask is set to 0.

options:
  --dir DIR                    where to run (default: $FLASHNET_NSTEST_DIR);
                               created if missing
  --allow-no-renameat2-flags   a file system that refuses RENAME_NOREPLACE or
                               RENAME_EXCHANGE with EINVAL skips those tests
                               (default: they fail, saying so)
  --list                       list the tests (--gtest_list_tests)
  --help                       this text
  --gtest_filter=PATTERN and the other GoogleTest options work as usual.

exit status: 0 every test passed or was skipped; 1 a test failed; 2 DIR is
unusable; 16 usage.
)";

} // namespace

int main(int argc, char **argv)
{
	std::vector<std::string> rest;	// for GoogleTest
	rest.emplace_back(argv[0]);
	Settings &s = settings();
	bool listing = false;
	for (int i = 1; i < argc; i++) {
		const std::string a = argv[i];
		if (a == "--help" || a == "-h") {
			std::cout << kUsage;
			return 0;
		} else if (a == "--dir") {
			if (i + 1 >= argc) {
				std::cerr << "flashnet-nstest: --dir needs a value\n";
				return kExitUsage;
			}
			s.dir = argv[++i];
		} else if (a.rfind("--dir=", 0) == 0) {
			s.dir = a.substr(6);
		} else if (a == "--allow-no-renameat2-flags") {
			s.allow_no_renameat2_flags = true;
		} else if (a == "--list") {
			rest.emplace_back("--gtest_list_tests");
			listing = true;
		} else if (a.rfind("--gtest_", 0) == 0) {
			listing |= a == "--gtest_list_tests";
			rest.push_back(a);
		} else {
			std::cerr << "flashnet-nstest: unknown argument '" << a
				  << "' (see --help)\n";
			return kExitUsage;
		}
	}
	if (s.dir.empty())
		if (const char *e = getenv("FLASHNET_NSTEST_DIR"))
			s.dir = e;

	std::vector<char *> gargv;
	for (std::string &a : rest)
		gargv.push_back(a.data());
	gargv.push_back(nullptr);
	int gargc = static_cast<int>(rest.size());
	::testing::InitGoogleTest(&gargc, gargv.data());
	if (listing)
		return RUN_ALL_TESTS();

	if (s.dir.empty()) {
		std::cerr << "flashnet-nstest: no directory: give --dir DIR or "
			     "set FLASHNET_NSTEST_DIR\n";
		return kExitUsage;
	}
	while (s.dir.size() > 1 && s.dir.back() == '/')
		s.dir.pop_back();
	if (mkdir(s.dir.c_str(), 0755) < 0 && errno != EEXIST) {
		std::cerr << "flashnet-nstest: mkdir " << s.dir << ": "
			  << errno_text(errno) << "\n";
		return kExitSysError;
	}
	struct stat st;
	struct statfs sf;
	if (stat(s.dir.c_str(), &st) < 0 || !S_ISDIR(st.st_mode) ||
	    statfs(s.dir.c_str(), &sf) < 0) {
		std::cerr << "flashnet-nstest: " << s.dir
			  << ": not a usable directory: " << errno_text(errno)
			  << "\n";
		return kExitSysError;
	}
	umask(0);
	std::cout << "flashnet-nstest: in " << s.dir << " (statfs f_type 0x"
		  << std::hex << sf.f_type << std::dec << "), uid " << geteuid()
		  << (geteuid() ? " (permission tests will be skipped)" : "")
		  << (s.allow_no_renameat2_flags
			      ? ", renameat2 flags may be unsupported"
			      : "")
		  << std::endl;
	return RUN_ALL_TESTS();
}
