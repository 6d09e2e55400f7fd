// SPDX-License-Identifier: GPL-2.0
#include "process.h"
#include "session.h"

#include <csignal>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

using namespace flashnet::vm;

TEST(ShellQuote, SurvivesTheShell)
{
	for (std::string word : {"plain", "two words", "it's", "$HOME `x`",
				 "a\"b", "", "back\\slash"}) {
		std::string out = run_capture(
			{"sh", "-c", "printf %s " + shell_quote(word)});
		EXPECT_EQ(out, word);
	}
}

TEST(RunCapture, ReturnsStdoutAndThrowsOnFailure)
{
	EXPECT_EQ(run_capture({"echo", "hi"}), "hi\n");
	EXPECT_THROW(run_capture({"false"}), std::runtime_error);
	EXPECT_THROW(run_capture({"/nonexistent/flashnet"}),
		     std::runtime_error);
}

TEST(ChildProcess, DestructorKillsAndReaps)
{
	pid_t pid;
	{
		ChildProcess c = ChildProcess::spawn({"sleep", "1000"});
		pid = c.pid();
		ASSERT_EQ(::kill(pid, 0), 0);
	}
	// Reaped, so the pid no longer exists (not even as a zombie).
	EXPECT_EQ(::kill(pid, 0), -1);
}

TEST(ChildProcess, ExitStatusAndOutput)
{
	ChildProcess c = ChildProcess::spawn(
		{"sh", "-c", "echo out; echo err >&2; exit 7"});
	std::string text;
	for (;;) {
		pollfd p{c.output_fd(), POLLIN, 0};
		poll(&p, 1, 1000);
		char buf[256];
		ssize_t n = read(c.output_fd(), buf, sizeof(buf));
		if (n <= 0 && !(n < 0 && errno == EAGAIN))
			break;
		if (n > 0)
			text.append(buf, n);
	}
	EXPECT_EQ(c.wait(), 7);
	EXPECT_EQ(text, "out\nerr\n");
}

TEST(ChildProcess, KilledChildReportsSignal)
{
	ChildProcess c = ChildProcess::spawn({"sleep", "1000"});
	c.kill();
	EXPECT_EQ(c.wait(), 128 + SIGKILL);
}

TEST(FreeUdpPort, IsNonZero)
{
	EXPECT_NE(free_udp_port(), 0);
}

TEST(GuestResult, OkOnlyForCleanZeroExit)
{
	GuestResult r;
	r.outcome = Outcome::exited;
	r.exit_code = 0;
	EXPECT_TRUE(r.ok(false));
	r.exit_code = 1;
	EXPECT_FALSE(r.ok(false));
	r.exit_code = 0;
	r.unexpected.push_back({ReportKind::warning, 3, "WARNING: CPU: 0"});
	EXPECT_FALSE(r.ok(false));
}

TEST(GuestResult, CutIsOkOnlyWhenWanted)
{
	GuestResult r;
	r.outcome = Outcome::cut;
	EXPECT_TRUE(r.ok(true));
	EXPECT_FALSE(r.ok(false));
	r.outcome = Outcome::exited;
	r.exit_code = 0;
	EXPECT_FALSE(r.ok(true)) << "the cut never happened";
}

TEST(GuestResult, MissingExpectedReportFails)
{
	GuestResult r;
	r.outcome = Outcome::exited;
	r.exit_code = 0;
	r.missing.insert(ReportKind::kasan);
	EXPECT_FALSE(r.ok(false));
}

TEST(ExitStatus, EachOutcomeHasItsOwnCode)
{
	GuestResult r;
	r.outcome = Outcome::exited;
	r.exit_code = 7;
	EXPECT_EQ(exit_status(r, false), 7);
	EXPECT_EQ(exit_status(r, true), kExitNoCut);
	r.outcome = Outcome::cut;
	EXPECT_EQ(exit_status(r, true), 0);
	r.outcome = Outcome::timeout;
	EXPECT_EQ(exit_status(r, false), kExitTimeout);
	r.outcome = Outcome::crashed;
	r.exit_code.reset();
	EXPECT_EQ(exit_status(r, false), kExitCrashed);
	// Reports outrank everything else.
	r.unexpected.push_back({ReportKind::oops, 9, "Oops: 0000 [#1]"});
	EXPECT_EQ(exit_status(r, false), kExitReports);
}
