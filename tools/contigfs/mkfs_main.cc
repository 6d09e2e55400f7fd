// SPDX-License-Identifier: GPL-2.0
// mkfs.contigfs: writes an empty contigfs file system. See --help.
#include "mkfs.h"

#include <iostream>

int main(int argc, char **argv)
{
	return flashnet::contigfs::mkfs_main({argv + 1, argv + argc}, std::cout,
					     std::cerr);
}
