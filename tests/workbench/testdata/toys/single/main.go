// Command single is a correct single-node kafka log for the workbench: every
// request is answered from one in-memory log. Run on one node it is valid.
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
