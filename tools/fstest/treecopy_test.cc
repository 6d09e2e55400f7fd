// SPDX-License-Identifier: GPL-2.0
// flashnet-treecopy: SHA-256, the manifest format, tree scans and the
// comparison, on trees made in a scratch directory.
#include "common.h"
#include "sha256.h"
#include "test_util.h"
#include "treecopy.h"

#include <algorithm>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

using namespace flashnet::fstest;

namespace {

void put(const std::string &path, const std::string &data, mode_t mode = 0644)
{
	Fd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode));
	ASSERT_TRUE(fd) << path;
	ASSERT_EQ(write(fd.get(), data.data(), data.size()),
		  static_cast<ssize_t>(data.size()));
	ASSERT_EQ(fchmod(fd.get(), mode), 0);
}

// A small tree with every kind of entry.
void make_tree(const std::string &root)
{
	ASSERT_EQ(mkdir((root + "/sub").c_str(), 0755), 0);
	ASSERT_EQ(mkdir((root + "/sub/deeper").c_str(), 0700), 0);
	ASSERT_EQ(mkdir((root + "/empty").c_str(), 0750), 0);
	put(root + "/a.txt", "hello\n");
	put(root + "/sub/big.bin", std::string(3 << 20, 'z'), 0600);
	put(root + "/sub/deeper/x", "");
	put(root + "/name with spaces\nand newline %", "odd", 0640);
	ASSERT_EQ(link((root + "/a.txt").c_str(), (root + "/sub/hard").c_str()), 0);
	ASSERT_EQ(symlink("../a.txt", (root + "/sub/link").c_str()), 0);
	ASSERT_EQ(symlink("dangling target", (root + "/dangling").c_str()), 0);
	ASSERT_EQ(mkfifo((root + "/fifo").c_str(), 0600), 0);
	if (geteuid() == 0) {
		ASSERT_EQ(mknod((root + "/null").c_str(), S_IFCHR | 0666,
				makedev(1, 3)),
			  0);
	}
}

const Entry *find(const std::vector<Entry> &v, const std::string &path)
{
	auto it = std::find_if(v.begin(), v.end(),
			       [&](const Entry &e) { return e.path == path; });
	return it == v.end() ? nullptr : &*it;
}

} // namespace

// ---- SHA-256 ----------------------------------------------------------------

TEST(Sha256, KnownVectors)
{
	EXPECT_EQ(sha256_hex(""),
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	EXPECT_EQ(sha256_hex("abc"),
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PiecewiseEqualsWhole)
{
	std::string data(1000, '\0');
	for (std::size_t i = 0; i < data.size(); i++)
		data[i] = static_cast<char>(i * 7 + i / 13);
	const std::string whole = sha256_hex(data);
	for (std::size_t cut : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 127u, 999u}) {
		Sha256 h;
		h.update(data.data(), cut);
		h.update(data.data() + cut, data.size() - cut);
		EXPECT_EQ(h.hex(), whole) << "cut at " << cut;
	}
	// Every padding length.
	for (std::size_t n = 50; n < 130; n++) {
		Sha256 a, b;
		a.update(data.data(), n);
		for (std::size_t i = 0; i < n; i++)
			b.update(data.data() + i, 1);
		EXPECT_EQ(a.hex(), b.hex()) << n;
	}
}

// ---- the format -----------------------------------------------------------------

TEST(Manifest, EscapeRoundTripsEveryByte)
{
	std::string all;
	for (int c = 1; c < 256; c++)
		all += static_cast<char>(c);
	const std::string e = escape(all);
	EXPECT_EQ(e.find(' '), std::string::npos);
	EXPECT_EQ(e.find('\n'), std::string::npos);
	EXPECT_EQ(unescape(e), all);
	EXPECT_EQ(escape("-"), "%2D");
	EXPECT_EQ(unescape("%2D"), "-");
	EXPECT_EQ(escape("a b%c"), "a%20b%25c");
	EXPECT_THROW(unescape("bad%2"), ManifestError);
	EXPECT_THROW(unescape("bad%zz"), ManifestError);
}

TEST(Manifest, EntryRoundTrips)
{
	Entry e;
	e.path = "dir/name with space";
	e.type = 'l';
	e.mode = 0777;
	e.uid = 65534;
	e.gid = 7;
	e.size = 12;
	e.nlink = 1;
	e.mtime_sec = -5;
	e.mtime_nsec = 123;
	e.target = "-";
	EXPECT_EQ(parse_entry(format_entry(e)), e) << format_entry(e);
	EXPECT_EQ(format_entry(e),
		  "dir/name%20with%20space l 0777 65534:7 12 1 -5.000000123 - %2D -");
	Entry f;
	f.path = ".";
	f.type = 'f';
	f.mode = 04755;
	f.size = 0;
	f.nlink = 2;
	f.sha256 = sha256_hex("");
	f.hardlink = "a/b";
	EXPECT_EQ(parse_entry(format_entry(f)), f) << format_entry(f);
}

TEST(Manifest, MalformedLinesNameTheField)
{
	auto err = [](const std::string &line) {
		try {
			parse_entry(line);
		} catch (const ManifestError &e) {
			return std::string(e.what());
		}
		return std::string("(parsed)");
	};
	EXPECT_NE(err("a f 0644 0:0 1 1 1.0 - -").find("10 fields"), std::string::npos);
	EXPECT_NE(err("a x 0644 0:0 1 1 1.0 - - -").find("type"), std::string::npos);
	EXPECT_NE(err("a f 0944 0:0 1 1 1.0 - - -").find("mode"), std::string::npos);
	EXPECT_NE(err("a f 0644 00 1 1 1.0 - - -").find("owner"), std::string::npos);
	EXPECT_NE(err("a f 0644 0:0 x 1 1.0 - - -").find("size"), std::string::npos);
	EXPECT_NE(err("a f 0644 0:0 1 1 1 - - -").find("mtime"), std::string::npos);
	EXPECT_NE(err("a f 0644 0:0 1 1 1.0 abc - -").find("sha256"), std::string::npos);
}

// ---- scanning trees ------------------------------------------------------------

TEST(TreeScan, EveryKindOfEntry)
{
	ScratchDir d("treecopy");
	make_tree(d.path());
	const auto v = scan_tree(d.path());
	ASSERT_TRUE(std::is_sorted(v.begin(), v.end(), [](auto &a, auto &b) {
		return a.path < b.path;
	}));
	const Entry *root = find(v, ".");
	ASSERT_TRUE(root);
	EXPECT_EQ(root->type, 'd');
	const Entry *a = find(v, "a.txt");
	ASSERT_TRUE(a);
	EXPECT_EQ(a->type, 'f');
	EXPECT_EQ(a->mode, 0644u);
	EXPECT_EQ(a->size, 6u);
	EXPECT_EQ(a->nlink, 2u);
	EXPECT_EQ(a->sha256, sha256_hex("hello\n"));
	EXPECT_EQ(a->hardlink, "a.txt");
	const Entry *hard = find(v, "sub/hard");
	ASSERT_TRUE(hard);
	EXPECT_EQ(hard->hardlink, "a.txt");
	const Entry *big = find(v, "sub/big.bin");
	ASSERT_TRUE(big);
	EXPECT_EQ(big->sha256, sha256_hex(std::string(3 << 20, 'z')));
	EXPECT_EQ(big->mode, 0600u);
	EXPECT_TRUE(big->hardlink.empty());
	const Entry *link = find(v, "sub/link");
	ASSERT_TRUE(link);
	EXPECT_EQ(link->type, 'l');
	EXPECT_EQ(link->target, "../a.txt");
	EXPECT_EQ(link->size, 8u);
	EXPECT_TRUE(link->sha256.empty()) << "symlinks are not followed";
	EXPECT_EQ(find(v, "dangling")->target, "dangling target");
	EXPECT_EQ(find(v, "fifo")->type, 'p');
	EXPECT_EQ(find(v, "sub")->nlink, 3u);
	EXPECT_EQ(find(v, "sub/deeper")->mode, 0700u);
	EXPECT_EQ(find(v, "sub/deeper/x")->sha256, sha256_hex(""));
	ASSERT_TRUE(find(v, "name with spaces\nand newline %"));
	if (geteuid() == 0) {
		ASSERT_TRUE(find(v, "null"));
		EXPECT_EQ(find(v, "null")->type, 'c');
		EXPECT_EQ(find(v, "null")->target, "1:3");
	}
}

TEST(TreeScan, MissingRootNamesIt)
{
	try {
		scan_tree("/nonexistent/flashnet-treecopy");
		FAIL() << "no error";
	} catch (const SysError &e) {
		EXPECT_NE(std::string(e.what()).find("/nonexistent/flashnet-treecopy"),
			  std::string::npos);
		EXPECT_EQ(e.err(), ENOENT);
	}
}

TEST(TreeCompare, ACopyIsIdenticalAndChangesShow)
{
	ScratchDir d("treecopy");
	ASSERT_EQ(mkdir(d.path("src").c_str(), 0755), 0);
	make_tree(d.path("src"));
	ASSERT_EQ(system(("cp -a '" + d.path("src") + "' '" + d.path("dst") + "'").c_str()),
		  0);
	const auto a = scan_tree(d.path("src"));
	auto b = scan_tree(d.path("dst"));
	EXPECT_EQ(compare(a, b, {}), std::vector<std::string>{});

	// Same size, different byte, same mtime.
	struct stat st;
	ASSERT_EQ(stat(d.path("dst/sub/big.bin").c_str(), &st), 0);
	{
		Fd fd(open(d.path("dst/sub/big.bin").c_str(), O_WRONLY));
		ASSERT_EQ(pwrite(fd.get(), "y", 1, 1 << 20), 1);
	}
	const struct timespec t[2] = {st.st_atim, st.st_mtim};
	ASSERT_EQ(utimensat(AT_FDCWD, d.path("dst/sub/big.bin").c_str(), t, 0), 0);
	ASSERT_EQ(unlink(d.path("dst/sub/deeper/x").c_str()), 0);
	put(d.path("dst/extra"), "new");
	ASSERT_EQ(chmod(d.path("dst/a.txt").c_str(), 0600), 0);
	ASSERT_EQ(unlink(d.path("dst/sub/link").c_str()), 0);
	ASSERT_EQ(symlink("elsewhere", d.path("dst/sub/link").c_str()), 0);
	b = scan_tree(d.path("dst"));
	const std::set<std::string> ignore = {"mtime", "dir-nlink"};
	const auto diffs = compare(a, b, ignore);
	const std::vector<std::string> want = {
		"a.txt: mode 0644 != 0600",
		"only in B: extra (f)",
		"sub/big.bin: contents differ (sha256 " +
			sha256_hex(std::string(3 << 20, 'z')).substr(0, 16) +
			"... != " +
			find(b, "sub/big.bin")->sha256.substr(0, 16) + "...)",
		"only in A: sub/deeper/x (f)",
		"sub/hard: mode 0644 != 0600",
		"sub/link: size 8 != 9",
		"sub/link: target '../a.txt' != 'elsewhere'",
	};
	EXPECT_EQ(diffs, want);
	// Ignoring fields hides them.
	const auto fewer = compare(a, b, {"mtime", "mode", "sha256", "target", "size"});
	EXPECT_EQ(fewer, (std::vector<std::string>{"only in B: extra (f)",
						  "only in A: sub/deeper/x (f)"}));
	// A broken hard link.
	ASSERT_EQ(unlink(d.path("dst/sub/hard").c_str()), 0);
	put(d.path("dst/sub/hard"), "hello\n");
	const auto c = compare(a, scan_tree(d.path("dst")),
			       {"mtime", "mode", "dir-mtime"});
	EXPECT_NE(std::find(c.begin(), c.end(), "sub/hard: nlink 2 != 1"), c.end());
	EXPECT_NE(std::find(c.begin(), c.end(),
			    "sub/hard: hard link of 'a.txt' != '-'"),
		  c.end());
}

// ---- the programs -----------------------------------------------------------------

TEST(TreecopyProgram, ManifestCompareAndExitCodes)
{
	ScratchDir d("treecopy-cli");
	ASSERT_EQ(mkdir(d.path("t").c_str(), 0755), 0);
	make_tree(d.path("t"));
	const std::string m1 = d.path("m1"), m2 = d.path("m2");
	Output o = run_program({TREECOPY, "manifest", d.path("t")}, m1);
	ASSERT_EQ(o.code, kExitOk) << o.out;
	o = run_program({TREECOPY, "manifest", d.path("t")}, m2);
	ASSERT_EQ(o.code, kExitOk) << o.out;
	o = run_program({TREECOPY, "compare", m1, m2});
	EXPECT_EQ(o.code, kExitOk) << o.out;
	EXPECT_NE(o.out.find("identical"), std::string::npos) << o.out;
	// The manifest reads back to what a scan gives.
	EXPECT_EQ(read_manifest(m1), scan_tree(d.path("t")));

	put(d.path("t/a.txt"), "changed");
	o = run_program({TREECOPY, "manifest", d.path("t")}, m2);
	ASSERT_EQ(o.code, kExitOk) << o.out;
	o = run_program({TREECOPY, "compare", m1, m2, "--ignore", "mtime,dir-mtime"});
	EXPECT_EQ(o.code, kExitFailed) << o.out;
	EXPECT_NE(o.out.find("a.txt: size 6 != 7"), std::string::npos) << o.out;
	EXPECT_NE(o.out.find("differences"), std::string::npos) << o.out;

	put(d.path("bad"), "# header\na f 0644 0:0 1 1 1.0 - - -\nshort line\n");
	o = run_program({TREECOPY, "compare", m1, d.path("bad")});
	EXPECT_EQ(o.code, kExitSysError) << o.out;
	EXPECT_NE(o.out.find(d.path("bad") + ":3: expected 10 fields"),
		  std::string::npos)
		<< o.out;
	EXPECT_EQ(run_program({TREECOPY, "manifest", d.path("nope")}).code,
		  kExitSysError);
	EXPECT_EQ(run_program({TREECOPY}).code, kExitUsage);
	EXPECT_EQ(run_program({TREECOPY, "frobnicate"}).code, kExitUsage);
	EXPECT_EQ(run_program({TREECOPY, "compare", m1}).code, kExitUsage);
	EXPECT_EQ(run_program({TREECOPY, "compare", m1, m2, "--ignore", "color"}).code,
		  kExitUsage);
	EXPECT_EQ(run_program({TREECOPY, "--help"}).code, kExitOk);
}

TEST(NstestProgram, OptionsAndExitCodes)
{
	unsetenv("FLASHNET_NSTEST_DIR");
	EXPECT_EQ(run_program({NSTEST, "--help"}).code, kExitOk);
	EXPECT_EQ(run_program({NSTEST}).code, kExitUsage);
	EXPECT_EQ(run_program({NSTEST, "--frob"}).code, kExitUsage);
	Output o = run_program({NSTEST, "--list"});
	EXPECT_EQ(o.code, kExitOk) << o.out;
	EXPECT_NE(o.out.find("Rename."), std::string::npos) << o.out;
	EXPECT_NE(o.out.find("  ExchangeTwoFiles"), std::string::npos) << o.out;
	ScratchDir d("nstest-cli");
	put(d.path("file"), "");
	EXPECT_EQ(run_program({NSTEST, "--dir", d.path("file")}).code, kExitSysError);
	o = run_program({NSTEST, "--dir", d.path("run"), "--gtest_filter=Create.*"});
	EXPECT_EQ(o.code, kExitOk) << o.out;
	EXPECT_NE(o.out.find("[  PASSED  ] 6 tests"), std::string::npos) << o.out;
	// Every test removed its directory.
	EXPECT_EQ(rmdir(d.path("run").c_str()), 0) << "left behind in " << d.path("run");
	setenv("FLASHNET_NSTEST_DIR", d.path("env").c_str(), 1);
	o = run_program({NSTEST, "--gtest_filter=Open.*"});
	unsetenv("FLASHNET_NSTEST_DIR");
	EXPECT_EQ(o.code, kExitOk) << o.out;
	EXPECT_NE(o.out.find("in " + d.path("env")), std::string::npos) << o.out;
}
