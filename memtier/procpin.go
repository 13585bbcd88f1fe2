package memtier

import _ "unsafe" // for go:linkname

// procPin pins the calling goroutine to its P and returns the P's id;
// procUnpin undoes it. The runtime keeps both reachable by linkname on
// purpose (go.dev/issue/67401: "Do not remove or change the type
// signature"); sync.Pool uses the same pair. The hit path uses the id only
// as a hint to pick an access stripe that no other running goroutine is
// writing, so that two cores never write the same cache line per Get.
//
//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// cheaprand returns a pseudo-random uint32 from the running M's own
// wyrand state: no atomic, no shared line. Not for anything but sampling.
// Reachable by linkname on purpose, like procPin (go.dev/issue/67401).
//
//go:linkname cheaprand runtime.cheaprand
func cheaprand() uint32

// procHint returns the id of the P the caller runs on. The goroutine may
// move to another P right after; callers use the id only as a hint.
func procHint() uint32 {
	p := procPin()
	procUnpin()
	return uint32(p)
}
