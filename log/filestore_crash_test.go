package log

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// The crash test. TestFileStoreCrashPoints runs random sequences of
// store operations and, at every point where the store changes its
// directory (each diskEvent, diskevents.go), builds the directories a
// crash right there could leave and opens each with OpenFileStore. A
// crash is not damage, so the open must succeed; and it must not lose an
// acknowledged entry: one a Sync that covered it returned, until a
// TruncateAfter or InstallSnapshot removes it on purpose (from the
// moment the call starts; a crash during it may leave the entry or not).
//
// The crash model. The test keeps, besides the directory as it is, what
// a crash can no longer take: each file's content as of its last fsync,
// and the directory's names as of its last fsync, each naming the file
// it named then (a later rename over the name or removal does not count
// until the next directory fsync). From these it builds:
//
//   - kill: the process died; every byte written survives, as on disk now;
//   - power loss: every file as of its last fsync, under the names the
//     directory had at its last fsync;
//   - the mixes, for each file whose content differs between the two: a
//     power loss that kept that file as written, and a kill that lost
//     that file's writes since its fsync; and for each name created or
//     removed since the directory's fsync, a power loss that kept the
//     creation (the file as of its fsync) or a kill that lost the removal;
//   - a torn tail: a power loss after which a file that was appended to
//     since its fsync (a segment) holds half of what was appended, either
//     cut there or with zeros from there to its current end;
//   - a torn slot: the slot of the synced file (synced.go) being written
//     holds half of its new bytes, after a kill or a power loss, and
//     after a power loss also with a segment's tail torn as above;
//   - a second crash: after a kill or a power loss, the open that follows
//     repairs the directory (deletes leftovers, cuts a torn tail, writes a
//     sync mark); every change it makes is a crash point in turn, checked
//     the same way, and the directory it leaves must open again.
//
// Not modelled: a file system that persists one file's writes out of
// order beyond a torn tail, or a truncation lost while a later write to
// the file is kept (doc.go, "Limits"); an fsync of a file making its new
// name durable too (the store never relies on it).
//
// The same image with the same acknowledged entries opens the same way,
// so each is opened once (crashModel.opened).
//
// Replay. Seeds are 1..ZABKAFKA_CRASH_SEEDS (default crashDefaultSeeds);
// ZABKAFKA_CRASH_SEED=n runs seed n alone. A failure names the seed, the
// operation, the disk event the crash followed and the variant, and
// stops that seed.

const (
	// crashDefaultSeeds is how many seeds run by default when the
	// directories can live in memory (crashDirRoot): about 3 s on the
	// project's test machine.
	crashDefaultSeeds = 16
	// crashDefaultSeedsOnDisk is the default otherwise: the opens
	// fsync, and on ext4 a seed took 1.1 s instead of 0.2 s.
	crashDefaultSeedsOnDisk = 3
	// crashOps is how many store operations one seed runs.
	crashOps = 40
	// crashSegmentSize makes a segment hold a few entries, so that
	// appends roll, and Compact and TruncateAfter span segments.
	crashSegmentSize = 150
)

// crashOptions are the options of every store the test opens.
var crashOptions = FileOptions{SegmentSize: crashSegmentSize}

// String names the kind in a failure message: "<kind> <file>".
func (k diskEventKind) String() string {
	switch k {
	case diskWrote:
		return "write to"
	case diskTruncated:
		return "truncation of"
	case diskFsynced:
		return "fsync of"
	case diskCreated:
		return "creation of"
	case diskRenamed:
		return "rename to"
	case diskRemoved:
		return "removal of"
	case diskDirSynced:
		return "fsync of the directory"
	}
	return "event " + strconv.Itoa(int(k))
}

// TestFileStoreCrashPoints is the crash test described above. It must
// not run in parallel with other tests that open a FileStore: diskEvent
// is global.
func TestFileStoreCrashPoints(t *testing.T) {
	root, inMemory := crashDirRoot(t)
	seeds, replay := crashSeeds(t, inMemory)
	t.Logf("seeds %d..%d (ZABKAFKA_CRASH_SEED=n replays seed n, ZABKAFKA_CRASH_SEEDS=n runs 1..n); directories in %s", seeds[0], seeds[len(seeds)-1], root)
	var seen [diskEventKinds]int
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			runCrashSeed(t, root, seed, &seen)
		})
	}
	if replay || t.Failed() {
		return
	}
	// A kind never seen means a noteDisk call went missing, or the
	// operations no longer reach it: crash points the test would skip.
	for k, n := range seen {
		if n == 0 {
			t.Errorf("no %q event in %d seeds", diskEventKind(k), len(seeds))
		}
	}
}

// crashDirRoot returns the directory the test keeps its stores and crash
// images in, removed at the end, and whether it is in memory. Nothing
// needs a real disk (the model, not the file system, decides what a crash
// keeps), and the opens fsync a lot: on ext4 a seed took 1.1 s, on
// tmpfs 0.2 s. So /dev/shm (tmpfs on Linux) when there is one.
func crashDirRoot(t *testing.T) (string, bool) {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "zabkafka-crash-"); err == nil {
			t.Cleanup(func() { _ = os.RemoveAll(dir) })
			return dir, true
		}
	}
	return t.TempDir(), false
}

// crashSeeds returns the seeds to run, from the environment (see above),
// and whether it is the one seed of a replay.
func crashSeeds(t *testing.T, inMemory bool) (seeds []int64, replay bool) {
	if v := os.Getenv("ZABKAFKA_CRASH_SEED"); v != "" {
		seed, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("ZABKAFKA_CRASH_SEED=%q: %v", v, err)
		}
		return []int64{seed}, true
	}
	n := crashDefaultSeeds
	if !inMemory {
		n = crashDefaultSeedsOnDisk
	}
	if v := os.Getenv("ZABKAFKA_CRASH_SEEDS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("ZABKAFKA_CRASH_SEEDS=%q: want a count of at least 1", v)
		}
	}
	for seed := int64(1); seed <= int64(n); seed++ {
		seeds = append(seeds, seed)
	}
	return seeds, false
}

// runCrashSeed runs crashOps random operations on a new store, checking
// every crash point on the way.
func runCrashSeed(t *testing.T, root string, seed int64, seen *[diskEventKinds]int) {
	dir, err := os.MkdirTemp(root, "store-")
	if err != nil {
		t.Fatal(err)
	}
	m := &crashModel{
		t: t, root: root, dir: dir, seed: seed, seen: seen,
		dirImage: map[string]*crashFile{}, acked: map[uint64][]byte{},
		opened: map[[sha256.Size]byte]bool{},
	}
	prev := diskEvent
	t.Cleanup(func() { diskEvent = prev })
	diskEvent = m.event

	rng := rand.New(rand.NewSource(seed))
	m.context = fmt.Sprintf("seed %d, creating the store", seed)
	s, err := OpenFileStore(dir, crashOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	for i := 1; i <= crashOps && m.failures == 0; i++ {
		s = m.step(s, rng, i)
	}
	if m.failures > 0 {
		t.Logf("replay: ZABKAFKA_CRASH_SEED=%d go test ./log/ -run TestFileStoreCrashPoints", seed)
	}
	t.Logf("seed %d: %d crash points, %d crash images opened", seed, m.points, m.images)
}

// step runs one random operation on s, keeping m.acked up to date, and
// returns the store to go on with (a reopen replaces it). The mix: Append
// (1 to 4 entries, sometimes starting a new epoch, rolling segments),
// Sync, TruncateAfter at an entry or just after one (which may be no
// entry), SaveSnapshot at an entry, Compact up to the snapshot,
// InstallSnapshot from 2 below the last zxid to 2 above it, and reopen.
func (m *crashModel) step(s *FileStore, rng *rand.Rand, i int) *FileStore {
	t := m.t
	do := func(op string, err error) {
		if err != nil {
			t.Fatalf("seed %d, op %d %s: %v", m.seed, i, op, err)
		}
	}
	begin := func(op string) string {
		m.context = fmt.Sprintf("seed %d, op %d %s", m.seed, i, op)
		return op
	}
	last := s.LastZxid()
	switch rng.Intn(10) {
	case 0, 1, 2:
		var es []Entry
		z := last
		for range 1 + rng.Intn(4) {
			if rng.Intn(6) == 0 {
				z = (z>>32+1)<<32 | 1
			} else {
				z++
			}
			// Unique data per op: a record of an earlier op with the
			// same zxid is never taken for this one.
			data := fmt.Appendf(nil, "op %d zxid %#x ", i, z)
			es = append(es, Entry{Zxid: z, Data: append(data, bytes.Repeat([]byte{'.'}, rng.Intn(30))...)})
		}
		op := begin(fmt.Sprintf("Append(%#x..%#x)", es[0].Zxid, z))
		do(op, s.Append(es...))
	case 3, 4:
		op := begin("Sync")
		do(op, s.Sync())
		for _, e := range m.entries(s) {
			m.acked[e.Zxid] = e.Data
		}
		m.ackedGen++
	case 5:
		z := s.segs[0].base
		if es := m.entries(s); len(es) > 0 {
			z = es[rng.Intn(len(es))].Zxid
			if rng.Intn(3) == 0 {
				z++ // an entry or none
			}
		}
		op := begin(fmt.Sprintf("TruncateAfter(%#x)", z))
		dropped := m.forget(z)
		if err := s.TruncateAfter(z); errors.Is(err, ErrCompacted) {
			maps.Copy(m.acked, dropped) // refused before touching the disk
			m.ackedGen++
		} else {
			do(op, err)
		}
	case 6:
		es := m.entries(s)
		if len(es) == 0 {
			return s
		}
		z := es[rng.Intn(len(es))].Zxid
		if snap, ok := s.Snapshot(); ok && snap.Zxid > z {
			return s
		}
		op := begin(fmt.Sprintf("SaveSnapshot(%#x)", z))
		do(op, s.SaveSnapshot(Snapshot{Zxid: z, Data: []byte("saved")}))
	case 7:
		snap, ok := s.Snapshot()
		if !ok {
			return s
		}
		op := begin(fmt.Sprintf("Compact(%#x)", snap.Zxid))
		do(op, s.Compact(snap.Zxid))
	case 8:
		if rng.Intn(3) != 0 { // it empties the log: rarer
			return s
		}
		z := int64(last) - 2 + int64(rng.Intn(5))
		if z < 1 {
			z = int64(last) + 1
		}
		op := begin(fmt.Sprintf("InstallSnapshot(%#x)", z))
		m.forget(uint64(z))
		do(op, s.InstallSnapshot(Snapshot{Zxid: uint64(z), Data: []byte("installed")}))
	case 9:
		op := begin("reopen")
		do("Close", s.Close())
		var err error
		s, err = OpenFileStore(m.dir, crashOptions)
		do(op, err)
	}
	return s
}

// entries is the whole log of s.
func (m *crashModel) entries(s *FileStore) []Entry {
	es, err := s.Entries(s.segs[0].base, 0)
	if err != nil {
		m.t.Fatalf("seed %d: reading the log: %v", m.seed, err)
	}
	return es
}

// forget removes the acknowledged entries after z, which an operation is
// about to remove on purpose, and returns them.
func (m *crashModel) forget(z uint64) map[uint64][]byte {
	dropped := map[uint64][]byte{}
	for a, data := range m.acked {
		if a > z {
			dropped[a] = data
			delete(m.acked, a)
		}
	}
	m.ackedGen++
	return dropped
}

// crashModel follows one store directory through the disk events of the
// store working in it, keeps what a crash can no longer take (the crash
// model above), and at each event checks every directory a crash right
// then could leave.
type crashModel struct {
	t    *testing.T
	seed int64
	root string // where crash images are made
	dir  string // the store's directory
	// nested: this model follows the repairs of an open after a crash;
	// its crash points are a second crash and do not nest further.
	nested bool
	// files: every file of the directory the model knows, oldest first.
	files []*crashFile
	// dirImage: the directory's names as of its last fsync.
	dirImage map[string]*crashFile
	// acked: the acknowledged entries, zxid to data; ackedGen counts
	// its changes.
	acked    map[uint64][]byte
	ackedGen int
	// opened: the images checked so far (imageKey), shared with nested
	// models. The same directory with the same acknowledged entries opens
	// the same way, and most images are the same at many crash points (a
	// power loss's changes only at fsyncs): this makes the test 6 times
	// as fast.
	opened map[[sha256.Size]byte]bool
	// context: the seed and the operation under way, for messages.
	context string
	// seen counts the events of each kind over the whole test.
	seen *[diskEventKinds]int
	// events counts disk events; lastEvent describes the latest one.
	events    int
	lastEvent string
	// points, images: crash points checked, crash images opened.
	points, images int
	// failures: crash images that failed; after the first failing
	// crash point the model checks no more.
	failures int
}

// crashFile is one file (one inode) the directory holds or held.
type crashFile struct {
	// info tells the file from others (os.SameFile) whatever name it
	// has now, until its inode is freed and reused.
	info os.FileInfo
	// durable is the file's content as of its last fsync.
	durable []byte
	// reused: the file was deleted and its inode went to a newer file,
	// so info now identifies that one; this file can change no more.
	reused bool
}

// event is the diskEvent hook: it updates what a crash can no longer
// take, then checks a crash right after the event.
func (m *crashModel) event(kind diskEventKind, path string) {
	m.seen[kind]++
	m.events++
	switch kind {
	case diskCreated:
		fi := m.stat(path)
		for _, f := range m.files {
			if !f.reused && os.SameFile(f.info, fi) {
				f.reused = true
			}
		}
		m.files = append(m.files, &crashFile{info: fi, durable: []byte{}})
	case diskFsynced:
		m.file(path).durable = m.read(path)
	case diskDirSynced:
		img := map[string]*crashFile{}
		for name := range m.readDir(m.dir) {
			img[name] = m.file(filepath.Join(m.dir, name))
		}
		m.dirImage = img
	}
	if kind == diskDirSynced {
		m.lastEvent = fmt.Sprintf("disk event %d (%v)", m.events, kind)
	} else {
		m.lastEvent = fmt.Sprintf("disk event %d (%v %s)", m.events, kind, filepath.Base(path))
	}
	m.crash()
}

// file is the file at path, which must be one the model knows.
func (m *crashModel) file(path string) *crashFile {
	fi := m.stat(path)
	for _, f := range slices.Backward(m.files) {
		if !f.reused && os.SameFile(f.info, fi) {
			return f
		}
	}
	m.t.Fatalf("crash model: %s was created with no diskCreated event", path)
	return nil
}

// learn makes every file now in the model's directory known and durable,
// under names that are durable: the state right after a crash.
func (m *crashModel) learn() {
	for name, content := range m.readDir(m.dir) {
		f := &crashFile{info: m.stat(filepath.Join(m.dir, name)), durable: content}
		m.files = append(m.files, f)
		m.dirImage[name] = f
	}
}

// crashImage is a directory a crash could leave: file name to content.
type crashImage struct {
	variant string
	files   map[string][]byte
	// again: open it with a second crash model following the repairs.
	again bool
}

// crash checks a crash right now: every image must open, with every
// acknowledged entry.
func (m *crashModel) crash() {
	if m.failures > 0 {
		return
	}
	hook := diskEvent
	diskEvent = nil // the opens below are not the store under test
	defer func() { diskEvent = hook }()
	m.points++
	for _, img := range m.crashImages() {
		if key := m.imageKey(img); !m.opened[key] {
			m.opened[key] = true
			m.check(img)
		}
	}
}

// imageKey identifies what checking img does: its files, whether it
// nests, and the acknowledged entries it is checked against.
func (m *crashModel) imageKey(img crashImage) [sha256.Size]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%t %d %d\n", img.again, m.ackedGen, len(img.files))
	for _, name := range slices.Sorted(maps.Keys(img.files)) {
		fmt.Fprintf(h, "%q %d\n", name, len(img.files[name]))
		h.Write(img.files[name])
	}
	return [sha256.Size]byte(h.Sum(nil))
}

// crashImages builds the images of the crash model from the directory
// as it is and as a power loss would leave it.
func (m *crashModel) crashImages() []crashImage {
	kill := m.readDir(m.dir)
	power := map[string][]byte{}
	for name, f := range m.dirImage {
		power[name] = f.durable
	}
	imgs := []crashImage{
		{"kill", kill, !m.nested},
		{"power loss", power, !m.nested},
	}
	add := func(variant string, files map[string][]byte) {
		imgs = append(imgs, crashImage{variant: variant, files: files})
	}
	for _, name := range slices.Sorted(maps.Keys(power)) {
		if _, ok := kill[name]; !ok {
			add("kill, but "+name+" not removed", with(kill, name, power[name]))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(kill)) {
		now := kill[name]
		then, ok := power[name]
		if !ok {
			add("power loss, but "+name+" created", with(power, name, m.file(filepath.Join(m.dir, name)).durable))
			continue
		}
		if bytes.Equal(then, now) {
			continue
		}
		add("power loss, but "+name+" as written", with(power, name, now))
		add("kill, but "+name+" as of its last fsync", with(kill, name, then))
		if tail, ok := tornAppend(then, now); ok {
			add("power loss, "+name+" torn (half its unsynced tail)", with(power, name, tail))
			add("power loss, "+name+" torn (zeros from half its unsynced tail)", with(power, name, zerosFrom(now, len(tail))))
		}
		if name != syncedFile || len(then) != syncedFileSize || len(now) != syncedFileSize {
			continue
		}
		for k := range 2 {
			at := k * syncedBlockSize
			if bytes.Equal(then[at:at+syncedSlotSize], now[at:at+syncedSlotSize]) {
				continue
			}
			torn := bytes.Clone(then)
			copy(torn[at:at+syncedSlotSize/2], now[at:])
			slot := fmt.Sprintf("synced slot %d torn", k)
			add("kill, "+slot, with(kill, name, torn))
			add("power loss, "+slot, with(power, name, torn))
			for _, seg := range slices.Sorted(maps.Keys(kill)) {
				if tail, ok := tornAppend(power[seg], kill[seg]); ok && isSegmentName(seg) {
					add("power loss, "+slot+", "+seg+" torn (half its unsynced tail)", with(with(power, name, torn), seg, tail))
				}
			}
		}
	}
	return imgs
}

// tornAppend is what a torn append leaves of a file that held then at its
// last fsync and now holds now: then and half of what was appended. ok
// is false if now is not then with bytes appended.
func tornAppend(then, now []byte) (tail []byte, ok bool) {
	if len(now) <= len(then) || !bytes.HasPrefix(now, then) {
		return nil, false
	}
	return now[:len(then)+(len(now)-len(then))/2], true
}

// zerosFrom is b with zeros from at on: blocks the crash did not write.
func zerosFrom(b []byte, at int) []byte {
	z := bytes.Clone(b)
	clear(z[at:])
	return z
}

// with is files with name holding content.
func with(files map[string][]byte, name string, content []byte) map[string][]byte {
	c := maps.Clone(files)
	c[name] = content
	return c
}

// check makes the image a directory, opens it and checks the store. For
// an image marked again, a second crash model follows that open's repairs,
// and the directory they leave must open as well.
func (m *crashModel) check(img crashImage) {
	m.images++
	dir, err := os.MkdirTemp(m.root, "crash-")
	if err != nil {
		m.t.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	for name, content := range img.files {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			m.t.Fatal(err)
		}
	}
	where := fmt.Sprintf("%s, crash after %s, image %q", m.context, m.lastEvent, img.variant)
	if !img.again {
		s, err := OpenFileStore(dir, crashOptions)
		m.verify(s, err, where)
		return
	}
	n := &crashModel{
		t: m.t, seed: m.seed, root: m.root, dir: dir, nested: true, seen: m.seen,
		dirImage: map[string]*crashFile{}, acked: m.acked, ackedGen: m.ackedGen, opened: m.opened,
		context: where + ", then in the repairs of the open after it",
	}
	n.learn()
	diskEvent = n.event
	s, err := OpenFileStore(dir, crashOptions)
	diskEvent = nil
	m.points += n.points
	m.images += n.images
	m.failures += n.failures
	if n.failures > 0 || !m.verify(s, err, where) {
		return
	}
	s, err = OpenFileStore(dir, crashOptions)
	m.verify(s, err, where+", opened again after the repairs")
}

// verify checks what OpenFileStore returned for a crash image: a store,
// holding every acknowledged entry with its data (in the log, or, at or
// below where the log starts, covered by the snapshot). It closes s.
func (m *crashModel) verify(s *FileStore, err error, where string) bool {
	if err != nil {
		return m.fail(where, "open refused: %v", err)
	}
	defer func() { _ = s.Close() }()
	base := s.segs[0].base
	snap, haveSnap := s.Snapshot()
	es, err := s.Entries(base, 0)
	if err != nil {
		return m.fail(where, "reading the log: %v", err)
	}
	have := map[uint64][]byte{}
	for _, e := range es {
		have[e.Zxid] = e.Data
	}
	for _, z := range slices.Sorted(maps.Keys(m.acked)) {
		data, ok := have[z]
		switch {
		case z <= base && (!haveSnap || snap.Zxid < z):
			return m.fail(where, "acknowledged %s lost: the log starts after %s and no snapshot covers it", zxidString(z), zxidString(base))
		case z <= base:
		case !ok:
			return m.fail(where, "acknowledged %s lost: the log holds %#x", zxidString(z), zxidsOf(es))
		case !bytes.Equal(data, m.acked[z]):
			return m.fail(where, "acknowledged %s holds %q, not %q", zxidString(z), data, m.acked[z])
		}
	}
	return true
}

// fail reports one failing crash image and returns false.
func (m *crashModel) fail(where, format string, args ...any) bool {
	m.failures++
	m.t.Errorf("%s: %s", where, fmt.Sprintf(format, args...))
	return false
}

// stat is os.Stat, failing the test on error.
func (m *crashModel) stat(path string) os.FileInfo {
	fi, err := os.Stat(path)
	if err != nil {
		m.t.Fatalf("crash model: %v", err)
	}
	return fi
}

// read is os.ReadFile, failing the test on error.
func (m *crashModel) read(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		m.t.Fatalf("crash model: %v", err)
	}
	return b
}

// readDir is the content of every file in dir, by name.
func (m *crashModel) readDir(dir string) map[string][]byte {
	des, err := os.ReadDir(dir)
	if err != nil {
		m.t.Fatalf("crash model: %v", err)
	}
	files := map[string][]byte{}
	for _, de := range des {
		files[de.Name()] = m.read(filepath.Join(dir, de.Name()))
	}
	return files
}
