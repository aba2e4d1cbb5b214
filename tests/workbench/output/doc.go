// Package output writes what a workbench run leaves behind, in the shape of
// Maelstrom's store (J:jepsen/src/jepsen/store.clj): a folder per run under
// store/<workload>/<start time>/ with latest/current symlinks, the history
// as JSON lines and as text, the results as JSON, plots, and the node logs
// (which the network writes into NodeLogDir).
package output
