// SPDX-License-Identifier: GPL-2.0
#include "fscrash_state.h"

#include "crc32c.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sstream>
#include <unistd.h>

namespace flashnet::fstest::fscrash {

namespace {

std::string crc_hex(const std::string &body)
{
	char buf[9];
	snprintf(buf, sizeof(buf), "%08x",
		 crc32c(~0u, body.data(), body.size()) ^ ~0u);
	return buf;
}

std::string at(const std::string &path, const Record &r)
{
	return path + ": line " + std::to_string(r.line) + " (offset " +
	       std::to_string(r.offset) + ")";
}

std::vector<std::string> split(const std::string &s)
{
	std::istringstream in(s);
	std::vector<std::string> t;
	for (std::string w; in >> w;)
		t.push_back(w);
	return t;
}

std::uint64_t number(const std::string &where, const std::string &field,
		     const std::string &s)
{
	if (s.empty() || s.size() > 20 ||
	    s.find_first_not_of("0123456789") != std::string::npos)
		throw StateError(where + ": " + field + " is not a number: '" +
				 s + "'");
	return std::stoull(s);
}

} // namespace

std::string format_header(const Header &h)
{
	return "fscrash " + std::to_string(kStateVersion) +
	       " seed=" + std::to_string(h.seed) +
	       " files=" + std::to_string(h.files) +
	       " max-file=" + std::to_string(h.max_file) +
	       " max-io=" + std::to_string(h.max_io) +
	       " ops=" + std::to_string(h.ops);
}

std::string encode_record(const std::string &body)
{
	return crc_hex(body) + " " + body + "\n";
}

StateWriter::StateWriter(const std::string &path, bool sync)
	: path_(path), sync_(sync)
{
	fd_.reset(::open(path.c_str(),
			 O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
			 0644));
	if (!fd_)
		throw SysError("state file " + path + ": open", errno);
}

void StateWriter::append(const std::string &body)
{
	const std::string rec = encode_record(body);
	// One write per record: a cut tears at most the last one.
	std::size_t done = 0;
	while (done < rec.size()) {
		const ssize_t n =
			::write(fd_.get(), rec.data() + done, rec.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			throw SysError("state file " + path_ + ": write at offset " +
					       std::to_string(offset_ + done),
				       n < 0 ? errno : EIO);
		done += static_cast<std::size_t>(n);
	}
	offset_ += done;
	if (sync_ && ::fsync(fd_.get()) < 0)
		throw SysError("state file " + path_ + ": fsync", errno);
}

Records parse_records(const std::string &path, const std::string &text)
{
	Records out;
	std::uint64_t off = 0, line = 1;
	while (off < text.size()) {
		const std::size_t nl = text.find('\n', off);
		const bool last = nl == std::string::npos || nl + 1 == text.size();
		Record r{line, off, {}};
		std::string why;
		if (nl == std::string::npos) {
			why = "no newline at the end (" +
			      std::to_string(text.size() - off) + " bytes)";
		} else {
			const std::string l = text.substr(off, nl - off);
			if (l.size() < 10 || l[8] != ' ')
				why = "not 'CRC BODY'";
			else if (l.substr(0, 8) != crc_hex(l.substr(9)))
				why = "CRC " + l.substr(0, 8) + " does not match";
			else
				r.body = l.substr(9);
		}
		if (!why.empty()) {
			if (!last)
				throw StateError(at(path, r) + ": damaged record (" +
						 why + ") before the last one");
			out.torn = true;
			out.torn_line = line;
			out.torn_offset = off;
			out.torn_why = why;
			break;
		}
		out.records.push_back(std::move(r));
		off = nl + 1;
		line++;
	}
	return out;
}

Records read_records(const std::string &path)
{
	Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd)
		throw StateError(path + ": cannot open the state file: " +
				 errno_text(errno));
	std::string text;
	char buf[65536];
	for (;;) {
		const ssize_t n = ::read(fd.get(), buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			throw StateError(path + ": read at offset " +
					 std::to_string(text.size()) + ": " +
					 errno_text(errno));
		if (n == 0)
			break;
		text.append(buf, static_cast<std::size_t>(n));
	}
	return parse_records(path, text);
}

Journal parse_journal(const std::string &path, const Records &raw)
{
	Journal j;
	j.raw = raw;
	if (raw.records.empty())
		throw StateError(path + ": no valid record (not even the header)" +
				 (raw.torn ? "; line 1 is torn: " + raw.torn_why
					   : std::string()));
	const Record &h = raw.records[0];
	const std::vector<std::string> ht = split(h.body);
	if (ht.size() != 7 || ht[0] != "fscrash")
		throw StateError(at(path, h) + ": not a flashnet-fscrash header");
	if (ht[1] != std::to_string(kStateVersion))
		throw StateError(at(path, h) + ": version " + ht[1] +
				 ", this checker reads " +
				 std::to_string(kStateVersion));
	const char *keys[] = {"seed=", "files=", "max-file=", "max-io=", "ops="};
	std::uint64_t *vals[] = {&j.header.seed, &j.header.files,
				 &j.header.max_file, &j.header.max_io,
				 &j.header.ops};
	for (int i = 0; i < 5; i++) {
		const std::string &t = ht[i + 2];
		const std::string k = keys[i];
		if (t.compare(0, k.size(), k) != 0)
			throw StateError(at(path, h) + ": field " +
					 std::to_string(i + 3) + " is not " + k +
					 "N");
		*vals[i] = number(at(path, h), k, t.substr(k.size()));
	}
	for (std::size_t i = 1; i < raw.records.size(); i++) {
		const Record &r = raw.records[i];
		const std::string w = at(path, r);
		if (j.ended)
			throw StateError(w + ": a record after the end record");
		if (r.body.size() < 3 || r.body[1] != ' ')
			throw StateError(w + ": unknown record '" + r.body + "'");
		const std::size_t sp = r.body.find(' ', 2);
		const std::uint64_t n = number(
			w, "the op number",
			r.body.substr(2, sp == std::string::npos ? std::string::npos
								 : sp - 2));
		const std::string rest =
			sp == std::string::npos ? "" : r.body.substr(sp + 1);
		switch (r.body[0]) {
		case 'I':
			if (n != j.ops.size() + 1)
				throw StateError(w + ": intent of op " +
						 std::to_string(n) + ", expected op " +
						 std::to_string(j.ops.size() + 1));
			try {
				j.ops.push_back(parse_op(n, rest));
			} catch (const std::invalid_argument &e) {
				throw StateError(w + ": op " + std::to_string(n) +
						 ": " + e.what());
			}
			break;
		case 'D':
			if (n == 0 || n != j.ops.size() || j.acked.count(n))
				throw StateError(w + ": durability record of op " +
						 std::to_string(n) +
						 " after the intent of op " +
						 std::to_string(j.ops.size()));
			if (!is_durability(j.ops.back().kind))
				throw StateError(w + ": durability record of op " +
						 std::to_string(n) + ", a " +
						 op_kind_name(j.ops.back().kind));
			if (rest.size() != 16 ||
			    rest.find_first_not_of("0123456789abcdef") !=
				    std::string::npos)
				throw StateError(w + ": bad digest '" + rest + "'");
			j.acked[n] = rest;
			break;
		case 'E':
			if (n != j.ops.size() || !rest.empty())
				throw StateError(w + ": end record of op " +
						 std::to_string(n) +
						 " after the intent of op " +
						 std::to_string(j.ops.size()));
			j.ended = true;
			break;
		default:
			throw StateError(w + ": unknown record '" + r.body + "'");
		}
	}
	return j;
}

Journal load_journal(const std::string &path)
{
	return parse_journal(path, read_records(path));
}

} // namespace flashnet::fstest::fscrash
