// Command disorder is a correct log except that every third key list it puts
// in a poll reply comes in reverse offset order: the checker sees offsets go
// backwards inside one poll (int-nonmonotonic-poll) and, across polls, skips
// or regressions.
package main

import (
	"fmt"
	"os"
	"slices"

	"zabkafka/tests/workbench/testdata/toys/toykit"
)

func main() {
	n := toykit.NewNode()
	polls := 0
	k := &toykit.Kafka{Log: toykit.NewLog()}
	k.ShapePoll = func(key string, pairs [][2]any) [][2]any {
		polls++
		if polls%3 == 0 && len(pairs) > 1 {
			slices.Reverse(pairs)
		}
		return pairs
	}
	k.Serve(n)
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}
