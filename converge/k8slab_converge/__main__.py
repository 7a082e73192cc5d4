import sys

from .main import main, snapshot_main

# k8slab-converge.service runs the package; k8slab-snapshot.service runs it with "snapshot" (and a
# user with "snapshot --now", for one whatever the newest's age).
if sys.argv[1:2] == ["snapshot"]:
    sys.exit(snapshot_main(force=sys.argv[2:] == ["--now"]))
sys.exit(main())
