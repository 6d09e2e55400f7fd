// SPDX-License-Identifier: GPL-2.0
// fsck.contigfs: checks and repairs a contigfs file system. See --help.
#include "fsck.h"

#include <iostream>

int main(int argc, char **argv)
{
	return flashnet::contigfs::fsck_main({argv + 1, argv + argc}, std::cout,
					     std::cerr);
}
