// Package transcript runs recovery scenarios written as transcripts: a
// small command language over the deterministic simulation (tests/sim)
// whose every command prints what it did, so that a scenario reads like
// a story and its expected output is the text under each command. The
// form follows etcd raft's interaction tests (its testdata/*.txt, run
// with cockroachdb/datadriven): a contributor writes a scenario without
// Go, and any change of behaviour shows as a changed line.
//
// A transcript is a sequence of blocks:
//
//	# comments, which tell the story
//	command arg key=value
//	----
//	expected output, up to a blank line
//
// TestTranscripts runs every file in testdata and compares each
// command's output with the text under it; `go test ./tests/transcript
// -rewrite` writes the actual output into the files instead (then read
// the diff). `go run ./tests/cmd/spacetime -transcript FILE` draws a
// transcript's runs as space-time diagrams.
//
// # Commands
//
// Cluster:
//
//	start [peers=3] [seed=1] [delay=4] [snapshot-every=N] [retain=N]
//	      [init-limit=N] [sync-limit=N] [counter=P:N]
//	      [fault=send-before-sync,epochs-before-history]
//	      [knob=accept-stale-sync-sessions]
//	crash P [P...]                    crash now
//	crash P at=POINT [sends=TYPE[,TYPE]] [to=P] [mode=DIFF|TRUNC|SNAP]
//	      [appends=ZXID|eN] [delivers=ZXID] [role=ROLE]
//	                                  arm a one-shot crash at a crash point
//	                                  of the first Ready that matches
//	restart P [P...]
//
// A start replaces the cluster: a file may hold several runs, such as a
// scenario and its deliberately broken twin (fault= breaks the Ready
// contract, sim.Faults; knob= switches off a check of the core,
// zab.TestingKnobs). counter=P:N starts peer P's leader counter at N.
// Crash points are sim.CrashPoint names (before-persist, after-append,
// after-sync, after-epochs, after-send, ...).
//
// Network:
//
//	partition 1,2 3      isolate P      cut 1->2      heal
//	drop|hold|copy [TYPE[,TYPE]] [from=P,..] [to=P,..] [mode=M] [zxid=Z] [count=N]
//	release [selector]   send the held messages again
//	replay [selector] [delay=N]   deliver the copies kept by copy rules
//	clear [N...|crashes] remove network rules (or disarm crash rules)
//
// Every message takes delay units (a tick is 10), so a transcript reads
// in send order and a diagram pairs each arrow with its send exactly.
//
// Clients and time:
//
//	propose P [n=N]      load on|off      tick [N]      run units=N
//	run until=COND [peers=..] [zxid=Z] [leader=L] [max=TICKS]
//
// with COND one of stable, delivered, logged, fired, down, looking,
// following, leading, not-leading. A condition not met within max ticks
// (default 400) is printed as such; the run goes on.
//
// Looking:
//
//	status               every peer's role, phase, epochs, last and committed zxid
//	log P [P...]         a peer's durable epochs, snapshot and log, and what it delivered
//	check [end]          the invariant checker's verdict (end: also the end-of-run checks)
//	rules                the rules in force and the crash rules
//	show|hide TYPE[,TYPE]|heartbeats      focus P[,P]|all
//
// # Output
//
// Events print as "t=12.3 3->1 NEWLEADER e2 DIFF after e1:c3 ..." (a
// message delivered, or "dropped (why)"), "t=12.3 1: FOLLOWING 3,
// SYNCHRONIZATION, acc=e2 cur=e1" (a peer's role, phase and epochs as
// its core reports them, before the Ready that carries the change is
// written), "1: delivers e1:c1..c3", "1: crashes at after-sync",
// "network: ...", and "VIOLATION rule: ..." where the invariant checker
// reports one. Zxids read e<epoch>:c<counter>; PROPOSALs, ACKs and
// COMMITs arriving on one link at once share a line ("PROPOSAL ×3").
// VOTEs, PINGs and the ACKs answering PINGs are hidden until shown.
package transcript
