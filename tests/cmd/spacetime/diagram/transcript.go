package diagram

import (
	"fmt"
	"path/filepath"
	"strings"

	"zabkafka/tests/sim"
	"zabkafka/tests/transcript"
	"zabkafka/zab"
)

// TranscriptRuns runs the recovery transcript at path (package
// transcript) with a Capture on each World it starts, and returns one
// Result per start command, in order, each covering its whole run.
// Heartbeats, the ACKs that answer them and votes are hidden. The title
// names the file (and the run, when it has several); the caption is the
// first paragraph of the comment above the run's start command.
//
// Transcripts use one network delay for every message, so each arrow is
// paired with its send exactly; a copy delivered again by replay is
// drawn from the moment of the replay, labelled as a late copy. The
// drawings are not held to CheckSVG: a long story makes a tall picture.
func TranscriptRuns(path string) ([]Result, error) {
	type watched struct {
		w *sim.World
		c *Capture
	}
	var runs []watched
	f, _, err := transcript.RunFile(path, transcript.Options{
		Watch: func(w *sim.World) {
			runner := w.Net.Filter // the transcript's rules, which the Capture must keep
			c := Attach(w)
			c.SetFilter(runner)
			runs = append(runs, watched{w, c})
		},
		Replayed: func(m zab.Message, arrive int64) {
			runs[len(runs)-1].c.Injected(&m, arrive)
		},
	})
	if err != nil {
		return nil, err
	}
	var captions []string
	for _, b := range f.Blocks {
		if fields := strings.Fields(b.Command); len(fields) > 0 && fields[0] == "start" {
			captions = append(captions, firstParagraph(b.Before))
		}
	}
	if len(captions) != len(runs) {
		// A start command that failed built no World: its caption is
		// not one of the runs'.
		captions = nil
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	var out []Result
	for i, r := range runs {
		title := "transcript " + name
		if len(runs) > 1 {
			title += fmt.Sprintf(", run %d of %d", i+1, len(runs))
		}
		v := View{Title: title, Peers: r.w.IDs(), TickEvery: r.w.TickEvery(), From: 0, To: r.w.Now(),
			Hide: []zab.MsgType{zab.MsgPing, zab.MsgVote}, HideRepeatAcks: true}
		if captions != nil {
			v.Caption = captions[i]
		}
		events := r.w.Trace.Events()
		out = append(out, Result{View: v, Trace: r.w.Trace, Pairs: r.c.Pair(events), Events: events, Epochs: r.c.Epochs()})
	}
	return out, nil
}

// firstParagraph joins the comment lines of text up to the first empty
// comment line, without their '#'.
func firstParagraph(text string) string {
	var words []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "#") {
			if len(words) > 0 {
				break
			}
			continue
		}
		body := strings.TrimSpace(strings.TrimPrefix(line, "#"))
		if body == "" {
			if len(words) > 0 {
				break
			}
			continue
		}
		words = append(words, body)
	}
	return strings.Join(words, " ")
}
