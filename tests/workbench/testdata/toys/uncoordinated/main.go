// Command uncoordinated runs an independent log on every node, with no
// replication and no agreement on offsets. On two nodes the same key gets
// offset 0 on both, with different messages: inconsistent-offsets (and, as
// each node only shows its own messages, lost or unseen writes).
package main

import (
	"fmt"
	"os"

	"zabkafka/tests/workbench/testdata/toys/toykit"
)

func main() {
	n := toykit.NewNode()
	(&toykit.Kafka{Log: toykit.NewLog()}).Serve(n)
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}
