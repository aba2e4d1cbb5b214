package log

// diskEvent, when set, is told of every change the store has just made
// to its directory: each write, truncation, fsync, creation, rename and
// removal of a file, and each fsync of the directory, after the call
// returned without an error. It exists only for the crash test
// (filestore_crash_test.go), which at each such point builds the
// directories a crash there could leave and opens them; a disk change
// made without telling it is a crash point that test never tries. It is
// nil in production, where each event costs one nil check. Tests that set
// it must not run in parallel with others that use a FileStore.
var diskEvent func(kind diskEventKind, path string)

// diskEventKind says what the store did to the file (or directory) an
// event names. The crash test needs the kind to know what a crash after
// the event keeps: written bytes survive a killed process but not a power
// loss; an fsync makes a file's content durable, a directory fsync the
// set of names in it.
type diskEventKind uint8

const (
	diskWrote      diskEventKind = iota // bytes written to the file, not yet fsynced
	diskTruncated                       // the file cut short, not yet fsynced
	diskFsynced                         // the file's content durable
	diskCreated                         // a new, empty file (its name not durable until the directory's fsync)
	diskRenamed                         // a file renamed to this path, replacing what was there
	diskRemoved                         // the file's name removed
	diskDirSynced                       // the directory's names durable
	diskEventKinds                      // the number of kinds
)

// noteDisk tells diskEvent, if set, that the store did kind to path.
func noteDisk(kind diskEventKind, path string) {
	if diskEvent != nil {
		diskEvent(kind, path)
	}
}
