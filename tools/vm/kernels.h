// SPDX-License-Identifier: GPL-2.0
// Finding the kernels guests boot, their initramfs, and the accelerator.
#pragma once

#include "qemu.h"

#include <filesystem>
#include <string>

namespace flashnet::vm {

// $FLASHNET_CACHE, else $XDG_CACHE_HOME/flashnet, else ~/.cache/flashnet.
std::filesystem::path cache_dir();

// The repository this runner was built from (guest scripts live there).
std::filesystem::path source_dir();

// The release of Debian's stock kernel, from linux-image-amd64's dependency.
std::string stock_release();

// "stock": Debian's installed kernel. "debug": the project's debug kernel,
// built on first use by tools/kernel/build-kernel.sh (slow once, then
// cached). Anything else: a directory laid out like build-kernel.sh's output.
// The initramfs is made (and cached) as needed.
KernelImage resolve_kernel(const std::string &name);

// KVM is used only if a guest really boots under it (it hangs on some
// hosts); the answer is cached per host kernel and QEMU binary.
Accel probe_accel(bool verbose);

} // namespace flashnet::vm
