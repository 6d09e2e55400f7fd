// SPDX-License-Identifier: GPL-2.0
// flashnet-fscrash's state journal: the file, on a file system that
// survives the power cut, that tells the checker what the run did and what
// the file system under test acknowledged as durable.
//
// Text, one record per line: "CRC BODY\n", CRC the CRC-32C (RFC 3720) of
// BODY in 8 lower-case hex digits. Each record is one write(2) followed by
// fsync(2), so after a cut only the last record can be damaged: a last line
// without its newline or with a wrong CRC is torn and ignored; a damaged
// line before it makes the file unusable. Bodies:
//   fscrash 1 seed=S files=F max-file=M max-io=X ops=O   the header, first
//   I N OP        op N (1, 2, ...) is about to be issued; OP is format_op()
//   D N DIGEST    op N, a durability point, returned success; DIGEST is
//                 Tree::digest() after op N, for the checker's replay
//   E N           the run completed after op N; nothing follows
#pragma once

#include "common.h"
#include "fscrash_model.h"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace flashnet::fstest::fscrash {

inline constexpr unsigned kStateVersion = 1;

struct Header {
	std::uint64_t seed = 0;
	std::uint64_t files = 0;
	std::uint64_t max_file = 0;
	std::uint64_t max_io = 0;
	std::uint64_t ops = 0;	// 0: until killed
};

std::string format_header(const Header &h);

// "CRC BODY\n".
std::string encode_record(const std::string &body);

// Appends records to the state file, created empty (or truncated).
class StateWriter {
public:
	// `sync`: fsync after every record. Throws SysError naming the file.
	StateWriter(const std::string &path, bool sync);
	void append(const std::string &body);
	const std::string &path() const { return path_; }

private:
	std::string path_;
	Fd fd_;
	bool sync_;
	std::uint64_t offset_ = 0;
};

// The state file is unusable: what is wrong, with file, line and offset.
class StateError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

struct Record {
	std::uint64_t line;	// 1-based
	std::uint64_t offset;	// of the line in the file
	std::string body;
};

struct Records {
	std::vector<Record> records;
	// A torn last record was dropped: where, and why.
	bool torn = false;
	std::uint64_t torn_line = 0, torn_offset = 0;
	std::string torn_why;
};

// Splits and verifies; throws StateError.
Records read_records(const std::string &path);
Records parse_records(const std::string &path, const std::string &text);

struct Journal {
	Header header;
	std::vector<Op> ops;			// ops[i].n == i + 1
	std::map<std::uint64_t, std::string> acked;	// D records: op -> digest
	bool ended = false;			// the E record is there
	Records raw;
};

// Reads and checks the order of the records; throws StateError.
Journal load_journal(const std::string &path);
Journal parse_journal(const std::string &path, const Records &raw);

} // namespace flashnet::fstest::fscrash
