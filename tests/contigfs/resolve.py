# contigfs_resolve_vma() through fn_contigfs_probe, against FIBMAP.
#   python3 resolve.py MOUNTPOINT
import ctypes, errno, fcntl, mmap, os, struct, sys

mnt = sys.argv[1]
PROBE = "/sys/kernel/debug/fn_contigfs_probe"
FIBMAP = 1
failures = []


def ask(cmd):
    with open(PROBE, "w") as f:
        f.write(cmd)
    with open(PROBE) as f:
        return dict(kv.split("=") for kv in f.read().split())


def addr_of(m, off=0):
    return ctypes.addressof(ctypes.c_char.from_buffer(m)) + off


libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                      ctypes.c_int, ctypes.c_int, ctypes.c_long]


def map_raw(fd, length, prot, flags, offset=0):
    """mmap for mappings Python's mmap cannot give an address of."""
    addr = libc.mmap(None, length, prot, flags, fd, offset)
    if addr in (None, ctypes.c_void_p(-1).value):
        raise OSError(ctypes.get_errno(), "mmap")
    return addr


def fibmap(fd, page):
    return struct.unpack("i", fcntl.ioctl(fd, FIBMAP, struct.pack("i", page)))[0]


def expect(what, got, want):
    ok = all(str(got.get(k)) == str(v) for k, v in want.items())
    print("%s %s: %s (want %s)" % ("ok" if ok else "FAIL", what, got, want))
    if not ok:
        failures.append(what)


f_path, g_path = os.path.join(mnt, "f"), os.path.join(mnt, "g")
with open(f_path, "wb") as f:
    f.write(bytes(range(256)) * 256)          # 64 KiB: a 16-page block
with open(g_path, "wb") as g:
    g.write(b"g" * 4096)                       # takes f's buddy
fd = os.open(f_path, os.O_RDWR)
base = [fibmap(fd, p) for p in range(16)]
assert all(base[p] == base[0] + p for p in range(16)), base
m = mmap.mmap(fd, 65536, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)

expect("inside", ask("resolve %x 5000" % addr_of(m, 3 * 4096 + 100)),
       dict(lba=base[3], offset=100, len=5000, writable=1))
expect("whole mapping", ask("resolve %x 65536" % addr_of(m)),
       dict(lba=base[0], offset=0, len=65536, writable=1))
m2 = mmap.mmap(fd, 16384, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE,
               offset=8192)
expect("mmap offset", ask("resolve %x 4096" % addr_of(m2, 4096)),
       dict(lba=base[3], offset=0, writable=1))
expect("straddling the end", ask("resolve %x 100" % addr_of(m, 65536 - 10)),
       {"error": -errno.EINVAL})
expect("empty", ask("resolve %x 0" % addr_of(m)), {"error": -errno.EINVAL})
anon = mmap.mmap(-1, 8192)
expect("anonymous memory", ask("resolve %x 4096" % addr_of(anon)),
       {"error": -errno.ENOENT})
ro_fd = os.open(f_path, os.O_RDONLY)
ro = map_raw(ro_fd, 65536, mmap.PROT_READ, mmap.MAP_SHARED)
expect("file opened read-only", ask("resolve %x 4096" % ro),
       dict(lba=base[0], writable=0))
prot_ro = map_raw(fd, 65536, mmap.PROT_READ, mmap.MAP_SHARED)
expect("PROT_READ of a read-write file", ask("resolve %x 4096" % prot_ro),
       dict(lba=base[0], writable=0))
priv = mmap.mmap(fd, 65536, mmap.MAP_PRIVATE, mmap.PROT_READ | mmap.PROT_WRITE)
expect("MAP_PRIVATE", ask("resolve %x 4096" % addr_of(priv)),
       {"error": -errno.EOPNOTSUPP})
big = map_raw(fd, 131072, mmap.PROT_READ, mmap.MAP_SHARED)
expect("past the file's block", ask("resolve %x 4096" % (big + 65536)),
       {"error": -errno.ENXIO})

# A held range pins the block: growth that must move the file fails.
expect("hold", ask("hold %x 4096" % addr_of(m)), dict(lba=base[0]))
try:
    os.pwrite(fd, b"x" * 4096, 65536)
    print("FAIL growth while pinned succeeded")
    failures.append("pin")
except OSError as e:
    expect("growth while pinned", {"errno": e.errno}, {"errno": errno.EBUSY})
ask("release")
m.close(); m2.close(); priv.close()
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
for a, n in ((ro, 65536), (prot_ro, 65536), (big, 131072)):
    libc.munmap(a, n)
os.pwrite(fd, b"x" * 4096, 65536)
moved = fibmap(fd, 0)
expect("growth after release moves the file", {"moved": moved != base[0]},
       {"moved": True})
with open(f_path, "rb") as f:
    data = f.read()
expect("data after the move", {"same": data[:65536] == bytes(range(256)) * 256
                               and data[65536:] == b"x" * 4096}, {"same": True})
os.close(fd); os.close(ro_fd)
if failures:
    sys.exit("resolve: %d failed: %s" % (len(failures), ", ".join(failures)))
print("resolve: all cases passed")
