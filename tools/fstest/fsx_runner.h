// SPDX-License-Identifier: GPL-2.0
// flashnet-fsx's engine: runs the generated ops on one file through a
// Posix, keeps the model in step, checks the file against it after every op
// and explains the first difference it finds.
#pragma once

#include "fsx_model.h"
#include "fsx_ops.h"
#include "fsx_pattern.h"
#include "fsx_sys.h"

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace flashnet::fstest {

class Runner {
public:
	// Progress goes to `out`, failure reports to `err`.
	Runner(Posix &sys, std::string path, const Config &cfg,
	       std::ostream &out, std::ostream &err);

	// Runs every op and the final check. Returns kExitOk, kExitFailed
	// (data, size or MAP_PRIVATE semantics wrong) or kExitSysError.
	int run();

	// Test hook: called after each op has been done and checked.
	std::function<void(const Op &, const Model &)> after_op;

	const Model &model() const { return model_; }
	// The command line that replays this run.
	std::string replay() const;

private:
	// An op that wrote bytes somewhere (the file, or a private mapping).
	struct Writer {
		std::uint64_t n;
		std::uint64_t off;
		std::uint64_t len;
		OpKind kind;
	};

	void execute(const Op &op);
	void do_write(const Op &op);
	void do_read(const Op &op);
	void do_truncate(const Op &op);
	void do_map_write(const Op &op);
	void do_map_read(const Op &op);
	void do_sync(const Op &op);
	void do_fd_to_map(const Op &op);
	void do_map_to_fd(const Op &op);
	void do_map_private(const Op &op);
	void corrupt();

	void open_files(bool create);
	void close_files();
	void note(const std::string &event);
	void wrote(const Op &op);

	// I/O that fails the run with kExitSysError, naming op, fd and offset.
	void pwrite_all(int fd, const char *fdname, const std::uint8_t *buf,
			std::uint64_t len, std::uint64_t off);
	std::uint64_t pread_all(int fd, const char *fdname, std::uint8_t *buf,
				std::uint64_t len, std::uint64_t off);
	SysMap map_window(int fd, const char *fdname, std::uint64_t off,
			  std::uint64_t len, int prot, int flags);
	void unmap(SysMap &m, const char *what);
	void copy_out(const SysMap &m, const char *what, std::uint8_t *dst,
		      std::uint64_t off, std::uint64_t len);
	void copy_in(const SysMap &m, const char *what, const std::uint8_t *src,
		     std::uint64_t off, std::uint64_t len);

	// Checks that fail the run with kExitFailed.
	void check_size();
	// [off, off + len) read with pread on fd against the model, with a
	// read at EOF when the range reaches past it.
	void check_range(int fd, const char *fdname, std::uint64_t off,
			 std::uint64_t len, const std::string &source);
	void full_check();
	void compare(const std::uint8_t *found, const std::uint8_t *want,
		     std::uint64_t off, std::uint64_t len,
		     const std::string &source,
		     std::optional<std::uint64_t> want_op = std::nullopt);

	// "seed 1, op 12 (write off=0 len=5)": where a failure happened.
	std::string where() const;
	[[noreturn]] void sys_fail(const std::string &what, int err);
	[[noreturn]] void fail(int code, const std::string &what);
	std::string op_name(std::uint64_t n) const;
	std::string origin_of(const std::uint8_t *found, std::uint64_t off,
			      std::uint64_t len, std::uint64_t at) const;

	Posix &sys_;
	const std::string path_;
	const Config cfg_;
	std::ostream &out_;
	std::ostream &err_;
	const Pattern pat_;
	Model model_;
	Op cur_;
	SysFd fd1_, fd2_;
	std::vector<std::uint8_t> buf_, want_;
	std::vector<Writer> writers_;
	std::deque<std::string> last_;
	std::uint64_t size_op_ = 0;	// last op that changed the size
	std::uint64_t full_checks_ = 0;
	bool final_ = false;	// in the final check, after the last op
	bool opened_ = false;	// the file was opened (so it exists)
	std::array<std::uint64_t, 10> count_ = {};
};

} // namespace flashnet::fstest
