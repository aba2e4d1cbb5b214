// Package diagram draws space-time diagrams of simulated Zab runs for the
// reading companion in docs/: peers are vertical lanes, time runs down the
// page, and every message is an arrow from the moment it was sent to the
// moment it arrived, labelled with its type and zxid. Role changes, epoch
// changes, established epochs, crashes, restarts and network changes are
// marked on the lanes.
//
// The pictures come from real runs of the zab core on tests/sim's World:
// each Scenario is a small script (a fixed seed, a few faults) that also
// checks the outcome it illustrates, so a diagram cannot show a behaviour
// the code no longer has. Everything is deterministic: Generate returns the
// same bytes for the same code, which is what the docs test
// (tests/docs) compares against the committed SVGs.
//
// The trace (sim.Recorder) records when a message arrives or is dropped
// but not when it was sent, nor the peers' epochs; a Capture fills those
// gaps by watching the network's Filter hook, which sees every message as
// it is sent.
//
// The pictures are meant to be read at their natural size in a GitHub
// page: at most MaxWidthPx wide, no text under MinFontPx, and no two
// texts on top of each other. The layout (render) places every label
// where it overlaps nothing and makes room where it must; CheckSVG reads
// the finished SVG back and verifies all of that independently of the
// layout, and Generate refuses a drawing that fails it.
package diagram
