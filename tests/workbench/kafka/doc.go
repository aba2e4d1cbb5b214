// Package kafka is the workbench's port of Maelstrom's kafka workload: what
// the generator asks for (J:kafka.clj workload, PollUnseen, final-polls)
// and what a client does with each request (M:kafka.clj Client).
//
// It has no goroutines and no clock. The runner (package workbench) owns
// time and threads: it asks a Generator for the next main-phase request, a
// FinalThread per client thread for the final phase, hands requests to one
// Client per thread, and feeds every completion back through Observe. Each
// component draws from the *rand.Rand it is given, so a run's choices replay
// from its seed.
//
// Keys are integers inside the generator (as in Jepsen) and decimal strings
// on the wire and in the history (M:src/maelstrom/workload/kafka.clj
// gen-string-keys).
package kafka
