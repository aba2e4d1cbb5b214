package kafka

import (
	"runtime"
	"sync"
	"testing"
)

// TestInTurn: bulk decodes run one at a time, however many clients ask
// at once; a small one runs at once even while a bulk one holds the
// turn.
func TestInTurn(t *testing.T) {
	// A bulk decode holds the turn until released.
	release := make(chan struct{})
	holding := make(chan struct{})
	go inTurn(bulkReply, func() {
		close(holding)
		<-release
	})
	<-holding
	small := make(chan struct{})
	go inTurn(bulkReply-1, func() { close(small) })
	<-small // would hang if small decodes waited for the turn

	// Eight more bulk decodes queue behind it, and run one at a time.
	var mu sync.Mutex
	running, most, ran := 0, 0, 0
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inTurn(1<<20, func() {
				mu.Lock()
				running++
				most = max(most, running)
				mu.Unlock()
				for j := 0; j < 100; j++ {
					runtime.Gosched() // let any other decode run: an overlap would show
				}
				mu.Lock()
				running--
				ran++
				mu.Unlock()
			})
		}()
	}
	close(release)
	wg.Wait()
	if ran != 8 || most != 1 {
		t.Fatalf("ran %d bulk decodes, at most %d at once; want 8, one at a time", ran, most)
	}
}
