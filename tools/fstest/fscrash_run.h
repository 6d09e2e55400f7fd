// SPDX-License-Identifier: GPL-2.0
// flashnet-fscrash run: the seeded workload (its op generator and the
// runner that issues the ops through an FsSys and journals them).
#pragma once

#include "fscrash_model.h"
#include "fscrash_state.h"
#include "fscrash_sys.h"
#include "fsx_pattern.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

namespace flashnet::fstest::fscrash {

struct RunConfig {
	std::uint64_t seed = 1;
	std::uint64_t ops = 10000;		// 0: until killed
	std::uint64_t files = 32;		// live files at most
	std::uint64_t max_file = 256 << 10;	// no file grows past this
	std::uint64_t max_io = 64 << 10;	// longest write
	std::uint64_t progress = 100;		// "fscrash: op N" every N ops
	bool state_sync = true;			// fsync the state file per record
	bool final_sync = true;			// syncfs after the last op
};

// The op stream: a pure function of the seed, the config and the tree, so
// a seed replays exactly.
class Generator {
public:
	explicit Generator(const RunConfig &cfg);
	// Op `n` for the tree as it is (the op is valid there).
	Op next(const Tree &t, std::uint64_t n);

	// The pool of names the workload uses in every directory: short ones
	// and long ones (up to 222 bytes), so renames and creates collide.
	static constexpr unsigned kPool = 20;
	static std::string pool_name(unsigned k);

private:
	bool try_make(const Tree &t, Op &op);
	std::uint64_t pick(const std::set<std::uint64_t> &s);
	// In [1, limit] (limit >= 1), spread over every power of two.
	std::uint64_t some(std::uint64_t limit);
	bool free_name(const Tree &t, std::uint64_t dir, std::string &name);
	void random_name_of(const Object &o, std::uint64_t &dir,
			    std::string &name);

	RunConfig cfg_;
	Rng rng_;
};

class Runner {
public:
	// Ops go to the file system in `dir` through `sys`; records to the
	// state file `state`; progress to `out`, errors to `err`.
	Runner(FsSys &sys, std::string dir, std::string state,
	       const RunConfig &cfg, std::ostream &out, std::ostream &err);

	// The whole run: kExitOk, kExitSysError (also ENOSPC) or kExitUsage
	// (DIR is not an empty directory).
	int run();

	// The pieces of run(), for scripted tests. They throw Usage,
	// SysError, or std::logic_error for an op the tree refuses.
	void begin();
	void step(Op op);	// numbers, journals, issues and acknowledges op
	void finish();		// the final syncfs (cfg.final_sync) and "E"

	// Test hook: called after the intent is journaled, after the op
	// returned, and after a durability point is journaled. Throwing from
	// it is a power cut at that moment.
	enum class Stage { intent, done, acked };
	std::function<void(Stage, const Op &)> hook;

	const Tree &tree() const { return tree_; }
	std::uint64_t ops_done() const { return n_; }

private:
	struct Paths {
		std::string a, b;	// the op's path(s), absolute
		std::uint64_t off = 0;	// append: where it writes
	};
	Paths plan(const Op &op) const;
	void execute(const Op &op, const Paths &p, const std::string &what);
	std::string abs(const std::string &rel) const;
	SysFd open(const std::string &what, const std::string &path, int flags);
	void write_data(const std::string &what, const std::string &path,
			int fd, std::uint64_t n, std::uint64_t off,
			std::uint64_t len, bool append);
	void close(const std::string &what, const std::string &path, SysFd &fd);
	void sync_dir(const std::string &what, const std::string &path);

	FsSys &sys_;
	std::string dir_;
	const std::string state_path_;
	const RunConfig cfg_;
	std::ostream &out_;
	std::ostream &err_;
	const Pattern pat_;
	Tree tree_;
	std::unique_ptr<StateWriter> state_;
	std::vector<std::uint8_t> buf_;
	std::uint64_t n_ = 0;
	std::uint64_t points_ = 0;
};

} // namespace flashnet::fstest::fscrash
