// SPDX-License-Identifier: GPL-2.0
// flashnet-treecopy: manifests of directory trees and their comparison, for
// "copy a real tree in, remount, compare". See --help.
#include "common.h"
#include "treecopy.h"

#include <iostream>
#include <sstream>

using namespace flashnet::fstest;

namespace {

const char kUsage[] = R"(usage:
  flashnet-treecopy manifest DIR > FILE
  flashnet-treecopy compare A B [--ignore FIELD[,FIELD...]]

manifest: walks DIR (symlinks are not followed, mount points inside are
  listed but not entered) and writes one line per entry, sorted by path:
    path type mode owner size nlink mtime sha256 target hardlink
  type f d l c b p s; mode 4 octal digits; owner uid:gid; size bytes (files
  and symlinks); mtime seconds.nanoseconds; sha256 of a file's contents;
  target of a symlink, or major:minor of a device; hardlink: for a file
  with more than one link, the first path of the same inode in the tree.
  "-" marks a field that does not apply. Paths and targets are
  percent-encoded (bytes outside '!'..'~', and '%', become %HH).

compare: compares two manifests entry by entry and prints every
  difference ("only in A: path", "path: size 10 != 12", ...). --ignore
  skips fields: type mode owner size nlink mtime sha256 target hardlink,
  and dir-nlink, dir-mtime (the nlink or mtime of directories only: a
  source tree on a file system that counts directory links differently,
  or whose directory times a copy does not keep).

exit status: 0 manifest written / manifests equal; 1 the manifests differ;
2 a file or directory could not be read, or a manifest is malformed;
16 usage.
)";

int cmd_manifest(const Args &a)
{
	if (a.positional.size() != 2)
		throw Usage("manifest wants one DIR");
	if (!a.values.empty() || !a.flags.empty())
		throw Usage("manifest takes no options");
	const auto entries = scan_tree(a.positional[1]);
	write_manifest(std::cout, entries);
	std::cout.flush();
	if (!std::cout)
		throw SysError("write the manifest to stdout", EIO);
	return kExitOk;
}

int cmd_compare(const Args &a)
{
	if (a.positional.size() != 3)
		throw Usage("compare wants two manifests, A and B");
	std::set<std::string> ignore;
	std::istringstream list(a.str("--ignore"));
	for (std::string f; std::getline(list, f, ',');) {
		if (!comparable_fields().count(f))
			throw Usage("--ignore: unknown field '" + f + "'");
		ignore.insert(f);
	}
	const std::string &fa = a.positional[1], &fb = a.positional[2];
	const auto ea = read_manifest(fa), eb = read_manifest(fb);
	const auto diffs = compare(ea, eb, ignore);
	for (const std::string &d : diffs)
		std::cout << d << "\n";
	std::cout << "compare: A " << fa << " (" << ea.size() << " entries), B "
		  << fb << " (" << eb.size() << " entries): "
		  << (diffs.empty() ? "identical"
				    : std::to_string(diffs.size()) + " differences")
		  << std::endl;
	return diffs.empty() ? kExitOk : kExitFailed;
}

} // namespace

int main(int argc, char **argv)
{
	const std::vector<std::string> args(argv + 1, argv + argc);
	for (const std::string &a : args) {
		if (a == "--help" || a == "-h") {
			std::cout << kUsage;
			return kExitOk;
		}
	}
	const std::string cmd = args.empty() ? "" : args[0];
	try {
		const Args a = parse_args(args, {"--ignore"}, {});
		if (cmd == "manifest")
			return cmd_manifest(a);
		if (cmd == "compare")
			return cmd_compare(a);
		throw Usage(cmd.empty() ? "no command" : "unknown command '" + cmd + "'");
	} catch (const Usage &e) {
		std::cerr << "flashnet-treecopy: " << e.what()
			  << " (see flashnet-treecopy --help)\n";
		return kExitUsage;
	} catch (const std::exception &e) {
		std::cerr << "flashnet-treecopy " << cmd << ": " << e.what() << "\n";
		return kExitSysError;
	}
}
