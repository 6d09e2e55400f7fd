#!/bin/sh
# The release of Debian's stock kernel: what linux-image-amd64 depends on.
dpkg-query -W -f '${Depends}' linux-image-amd64 2>/dev/null |
	sed -n 's/.*linux-image-\([0-9][^ ,]*\).*/\1/p'
